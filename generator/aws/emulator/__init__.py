"""A local AWS emulator: moto's server plus the CloudFormation resource types moto lacks.

Needs the optional extra `pip install 'lzgen[local]'` (moto). Nothing here is imported unless
`lzgen emulator`, `lzgen deploy --local` or the tests ask for it.
"""
