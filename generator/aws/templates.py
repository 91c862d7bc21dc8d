"""Where deploy sends a stack's template from: inline, or from lzgen's S3 bucket.

CloudFormation takes at most 51,200 bytes inline (TemplateBody) and 1 MB from S3
(TemplateURL): https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
As sceptre and the CDK do, a larger template is uploaded to a bucket in the management
account and passed by URL. The bucket belongs to a small stack of its own,
`lzgen-ORG-templates`, that deploy creates the first time a template needs it: versioned,
encrypted (SSE-S3), every kind of public access blocked, TLS required, and old versions of a
template expire after 30 days. Each stack's template is one object, `lzgen-ORG-NAME.json` (the
stack's name), overwritten on each deploy (CloudFormation reads it when the change set is
created).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from generator.jsonio import compact_json

if TYPE_CHECKING:  # generate uses this module's constants; boto3 loads only for deploy
    from generator.aws.gateway import Gateway

# ensure_stack(stack name, template body, region): the stack exists, created if need be.
EnsureStack = Callable[[str, str, str], None]
INLINE_LIMIT = 51_200  # bytes of a TemplateBody
BUCKET_STACK = "templates"
NONCURRENT_DAYS = 30
BUCKET_PREFIX = "lzgen-templates-"


def bucket_name(account: str, region: str) -> str:
    """Global, so made unique by account and region: at most 16 + 12 + 1 + 14 characters of
    S3's 63 (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)."""
    return f"{BUCKET_PREFIX}{account}-{region}"


def bucket_template(name: str) -> dict[str, Any]:
    """The bucket stack; its settings follow the S3 user guide's security best practices
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html)."""
    arn = f"arn:aws:s3:::{name}"
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Templates lzgen deploys by TemplateURL (over 51,200 bytes). "
                       "Created by lzgen deploy.",
        "Resources": {
            "TemplateBucket": {
                "Type": "AWS::S3::Bucket",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": {
                    "BucketName": name,
                    "VersioningConfiguration": {"Status": "Enabled"},
                    "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": True, "BlockPublicPolicy": True,
                        "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
                    "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                    "LifecycleConfiguration": {"Rules": [{
                        "Id": "ExpireOldTemplateVersions", "Status": "Enabled",
                        "NoncurrentVersionExpiration": {"NoncurrentDays": NONCURRENT_DAYS},
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}]},
                },
            },
            "TemplateBucketPolicy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": {"Ref": "TemplateBucket"},
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                        "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*",
                        "Action": "s3:*", "Resource": [arn, f"{arn}/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]},
                },
            },
        },
        "Outputs": {"BucketName": {"Value": {"Ref": "TemplateBucket"}}},
    }


def needs_upload(body: str) -> bool:
    return len(body.encode("utf-8")) > INLINE_LIMIT


class TemplateStore:
    """Gives each stack's change set its template source, creating the bucket once."""

    def __init__(self, gateway: Gateway, ensure_stack: EnsureStack) -> None:
        self.gateway, self.ensure_stack = gateway, ensure_stack
        self._ready: dict[str, str] = {}  # region -> bucket name
        self._lock = threading.Lock()  # stacks deployed side by side create the bucket once
        self._owner = ""

    def _account(self) -> str:
        if not self._owner:
            self._owner = self.gateway.account_id()
        return self._owner

    def source(self, stack: str, bucket_stack: str, body: str,
               region: str) -> dict[str, str]:
        """{"TemplateBody": ...} or, for a body over the inline limit, {"TemplateURL": ...}
        (after creating the bucket's stack `bucket_stack` if need be, and uploading)."""
        if not needs_upload(body):
            return {"TemplateBody": body}
        bucket = self.bucket(bucket_stack, region)
        key = f"{stack}.json"
        # ExpectedBucketOwner: never upload into a bucket of that name someone else owns
        # (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html).
        self.gateway.call("s3", "PutObject", region=region, Bucket=bucket, Key=key,
                          Body=body.encode("utf-8"), ContentType="application/json",
                          ServerSideEncryption="AES256",
                          ExpectedBucketOwner=self._account())
        return {"TemplateURL": f"https://{bucket}.s3.{region}.amazonaws.com/{key}"}

    def bucket(self, bucket_stack: str, region: str) -> str:
        with self._lock:
            if region not in self._ready:
                name = bucket_name(self._account(), region)
                self.ensure_stack(bucket_stack, compact_json(bucket_template(name)), region)
                self._ready[region] = name
            return self._ready[region]
