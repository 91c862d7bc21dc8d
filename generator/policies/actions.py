"""The IAM actions CloudFormation calls for each resource type lzgen writes: the handler
permissions of the types' resource schemas (as cfn-lint 1.58 bundles them).

Data at the bottom of the policy layer, so that both the deployer policy (generator.aws) and
the checks that evaluate SCPs against lzgen's own StackSets (generator.checks) read one table.
"""

from __future__ import annotations

# What CloudFormation calls for each resource type lzgen writes: the handler permissions of
# the types' resource schemas. Accounts are retained, never closed: no CloseAccount.
RESOURCE_ACTIONS: dict[str, tuple[str, ...]] = {
    "AWS::Organizations::Account": (
        "organizations:CreateAccount", "organizations:DescribeAccount",
        "organizations:DescribeCreateAccountStatus", "organizations:ListAccounts",
        "organizations:ListParents", "organizations:ListRoots",
        "organizations:ListAccountsForParent",  # convergence reads accounts per parent
        "organizations:ListTagsForResource", "organizations:MoveAccount",
        "organizations:TagResource", "organizations:UntagResource"),
    "AWS::Organizations::OrganizationalUnit": (
        "organizations:CreateOrganizationalUnit", "organizations:DeleteOrganizationalUnit",
        "organizations:DescribeOrganizationalUnit",
        "organizations:ListOrganizationalUnitsForParent", "organizations:ListParents",
        "organizations:ListTagsForResource", "organizations:TagResource",
        "organizations:UntagResource", "organizations:UpdateOrganizationalUnit"),
    "AWS::Organizations::Policy": (
        "organizations:AttachPolicy", "organizations:CreatePolicy",
        "organizations:DeletePolicy", "organizations:DescribePolicy",
        "organizations:DetachPolicy", "organizations:ListPolicies",
        "organizations:ListTagsForResource", "organizations:ListTargetsForPolicy",
        "organizations:TagResource", "organizations:UntagResource",
        "organizations:UpdatePolicy"),
    "AWS::SSM::Parameter": (
        "ssm:AddTagsToResource", "ssm:DeleteParameter", "ssm:GetParameters",
        "ssm:ListTagsForResource", "ssm:PutParameter", "ssm:RemoveTagsFromResource"),
    "AWS::CloudFormation::StackSet": (
        "cloudformation:CreateStackInstances", "cloudformation:CreateStackSet",
        "cloudformation:DeleteStackInstances", "cloudformation:DeleteStackSet",
        "cloudformation:DescribeStackInstance", "cloudformation:DescribeStackSet",
        "cloudformation:DescribeStackSetOperation", "cloudformation:GetTemplateSummary",
        "cloudformation:ListStackInstances", "cloudformation:ListStackSetOperationResults",
        "cloudformation:TagResource", "cloudformation:UntagResource",
        "cloudformation:UpdateStackInstances", "cloudformation:UpdateStackSet",
        # Service-managed StackSets look up the organization and its trusted access.
        "organizations:DescribeOrganization", "organizations:ListAWSServiceAccessForOrganization",
        "organizations:ListDelegatedAdministrators"),
    # The baseline's types, as cfn-lint 1.58's schemas list them: looking them up there would
    # import cfn-lint (a second) on every `generate`, even with --no-lint.
    "AWS::Budgets::Budget": (
        "billing:GetBillingViewData", "budgets:ListTagsForResource", "budgets:ModifyBudget",
        "budgets:TagResource", "budgets:UntagResource", "budgets:ViewBudget"),
    "AWS::CE::AnomalyMonitor": (
        "ce:CreateAnomalyMonitor", "ce:DeleteAnomalyMonitor", "ce:GetAnomalyMonitors",
        "ce:ListTagsForResource", "ce:TagResource", "ce:UpdateAnomalyMonitor"),
    "AWS::CE::AnomalySubscription": (
        "ce:CreateAnomalySubscription", "ce:DeleteAnomalySubscription",
        "ce:GetAnomalySubscriptions", "ce:ListTagsForResource", "ce:TagResource",
        "ce:UpdateAnomalySubscription"),
    "AWS::CloudTrail::Trail": (
        "cloudtrail:AddTags", "cloudtrail:CreateTrail", "cloudtrail:DeleteTrail",
        "cloudtrail:DescribeTrails", "cloudtrail:GetEventConfiguration",
        "cloudtrail:GetEventSelectors", "cloudtrail:GetInsightSelectors", "cloudtrail:GetTrail",
        "cloudtrail:GetTrailStatus", "cloudtrail:ListTags", "cloudtrail:PutEventConfiguration",
        "cloudtrail:PutEventSelectors", "cloudtrail:PutInsightSelectors",
        "cloudtrail:RemoveTags", "cloudtrail:StartLogging", "cloudtrail:StopLogging",
        "cloudtrail:UpdateTrail", "iam:CreateServiceLinkedRole", "iam:GetRole",
        "iam:PassRole", "organizations:DescribeOrganization",
        "organizations:ListAWSServiceAccessForOrganization"),
    "AWS::Config::ConfigRule": (
        "config:DeleteConfigRule", "config:DescribeComplianceByConfigRule",
        "config:DescribeConfigRules", "config:PutConfigRule"),
    "AWS::Events::Rule": (
        "events:DeleteRule", "events:DescribeRule", "events:ListTagsForResource",
        "events:ListTargetsByRule", "events:PutRule", "events:PutTargets",
        "events:RemoveTargets", "events:TagResource", "events:UntagResource", "iam:PassRole"),
    "AWS::IAM::Role": (
        "iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRole",
        "iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy", "iam:DetachRolePolicy",
        "iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies",
        "iam:ListRolePolicies", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy",
        "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole",
        "iam:UpdateRoleDescription"),
    "AWS::Config::ConfigurationRecorder": (
        "config:DeleteConfigurationRecorder", "config:DescribeConfigurationRecorders",
        "config:ListTagsForResource", "config:PutConfigurationRecorder",
        "config:StartConfigurationRecorder", "iam:PassRole"),
    "AWS::Config::DeliveryChannel": (
        "config:DeleteDeliveryChannel", "config:DescribeDeliveryChannels",
        "config:PutDeliveryChannel"),
    "AWS::IAM::ServiceLinkedRole": (
        "iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:GetRole",
        "iam:GetServiceLinkedRoleDeletionStatus", "iam:UpdateRole"),
    "AWS::S3::Bucket": (
        "iam:PassRole", "s3:CreateBucket", "s3:CreateBucketMetadataTableConfiguration",
        "s3:DeleteBucket", "s3:DeleteBucketAnalyticsConfiguration",
        "s3:DeleteBucketCors", "s3:DeleteBucketEncryption", "s3:DeleteBucketLifecycle",
        "s3:DeleteBucketMetadataTableConfiguration",
        "s3:DeleteBucketMetricsConfiguration", "s3:DeleteBucketReplication",
        "s3:DeleteBucketWebsite", "s3:DeleteObject", "s3:GetAccelerateConfiguration",
        "s3:GetAnalyticsConfiguration", "s3:GetBucketAbac", "s3:GetBucketAcl",
        "s3:GetBucketCORS", "s3:GetBucketLogging",
        "s3:GetBucketMetadataTableConfiguration", "s3:GetBucketNotification",
        "s3:GetBucketObjectLockConfiguration", "s3:GetBucketOwnershipControls",
        "s3:GetBucketPublicAccessBlock", "s3:GetBucketTagging",
        "s3:GetBucketVersioning", "s3:GetBucketWebsite",
        "s3:GetEncryptionConfiguration", "s3:GetIntelligentTieringConfiguration",
        "s3:GetInventoryConfiguration", "s3:GetLifecycleConfiguration",
        "s3:GetMetricsConfiguration", "s3:GetReplicationConfiguration", "s3:ListBucket",
        "s3:ListTagsForResource", "s3:PutAccelerateConfiguration",
        "s3:PutAnalyticsConfiguration", "s3:PutBucketAbac", "s3:PutBucketAcl",
        "s3:PutBucketCORS", "s3:PutBucketLogging", "s3:PutBucketNotification",
        "s3:PutBucketObjectLockConfiguration", "s3:PutBucketOwnershipControls",
        "s3:PutBucketPublicAccessBlock", "s3:PutBucketReplication",
        "s3:PutBucketTagging", "s3:PutBucketVersioning", "s3:PutBucketWebsite",
        "s3:PutEncryptionConfiguration", "s3:PutIntelligentTieringConfiguration",
        "s3:PutInventoryConfiguration", "s3:PutLifecycleConfiguration",
        "s3:PutMetricsConfiguration", "s3:PutObjectAcl",
        "s3:PutObjectLockConfiguration", "s3:PutReplicationConfiguration",
        "s3:TagResource", "s3:UntagResource",
        "s3:UpdateBucketMetadataAnnotationTableConfiguration",
        "s3:UpdateBucketMetadataInventoryTableConfiguration",
        "s3:UpdateBucketMetadataJournalTableConfiguration", "s3tables:CreateNamespace",
        "s3tables:CreateTable", "s3tables:CreateTableBucket", "s3tables:GetTable",
        "s3tables:GetTableMetadataLocation", "s3tables:PutTableBucketPolicy",
        "s3tables:PutTableEncryption", "s3tables:PutTablePolicy",
        "s3tables:UpdateTableMetadataLocation"),
    "AWS::S3::BucketPolicy": ("s3:DeleteBucketPolicy", "s3:GetBucketPolicy",
                              "s3:PutBucketPolicy"),
    "AWS::SNS::Subscription": (
        "iam:GetRole", "iam:PassRole", "sns:GetSubscriptionAttributes",
        "sns:SetSubscriptionAttributes", "sns:Subscribe", "sns:Unsubscribe"),
    "AWS::SNS::Topic": (
        "iam:GetRole", "iam:PassRole", "sns:CreateTopic", "sns:DeleteTopic",
        "sns:GetDataProtectionPolicy", "sns:GetTopicAttributes",
        "sns:ListSubscriptionsByTopic", "sns:ListTagsForResource",
        "sns:PutDataProtectionPolicy", "sns:SetTopicAttributes", "sns:Subscribe",
        "sns:TagResource", "sns:Unsubscribe", "sns:UntagResource"),
    "AWS::SNS::TopicPolicy": ("sns:SetTopicAttributes",),
}
