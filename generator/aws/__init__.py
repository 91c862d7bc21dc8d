"""Deploying to AWS. Only this package imports boto3 and botocore (a test checks).

gateway.py    the one boto3 session: clients, adaptive retries, AWS errors as AwsError
manifest.py   what `generate` wrote, read back and checked against its hashes
tokens.py     {{lzgen:...}} tokens resolved in the organization
steps.py      API step handlers: in place? apply
accounts.py   step handlers on accounts: rename, root email change, closure within the quota
converge.py   drift repaired: the organization put back as the deployed templates say
guard.py      destructive changes found from the templates before anything runs
changes.py    a change set as data, shown with the writers of `lzgen diff`
stacks.py     one stack through a change set; stacksets.py: StackSet instances
policy.py     the deployer's IAM policy, written by `generate`
deploy.py     the phases in order; ui.py: what a person sees
emulator/     moto with the models lzgen needs (`lzgen emulator`, `deploy --local`, tests)
"""
