"""The base of the emulator's simple CloudFormation resource models: a physical ID and no
attributes to read with GetAtt."""

from __future__ import annotations


class PlainModel:
    """Not itself a CloudFormationModel: moto registers every direct subclass of that as a
    resource type, so a model lists both (`class X(PlainModel, CloudFormationModel)`)."""

    def __init__(self, physical_id: str) -> None:
        self.physical_id = physical_id

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False
