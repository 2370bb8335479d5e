"""Every HTTP request moto serves, authorized by the model in
e2e/moto_authz.py before moto acts on it: the principal from the signing
access key, the IAM action from the API operation (A5), the resource ARN
from the request's parameters in the ARN format the Service Authorization
Reference gives for the action's resource type (A5).

An action the reference lists with no resource type ("*" only, e.g. the
EC2 Describe* calls) is evaluated on "*". An action with a resource type
that RESOURCES below does not map is refused for every principal but the
operator, with a message saying so: the model never lets a call through
that it did not evaluate.
"""

import json
import re
import threading

import moto_authz
import moto_authz_seam

# The signing name of the credential scope -> the IAM service prefix (A5).
PREFIX = {"monitoring": "cloudwatch", "email": "ses"}

_local = threading.local()


def _p(r, name):
    try:
        v = r._get_param(name)
    except Exception:  # noqa: BLE001
        v = None
    if v is None:
        qs = getattr(r, "querystring", {}) or {}
        v = (qs.get(name) or [None])[0]
    return v


def _ssm_param(r, name):
    # A version or label selector (NAME:3, NAME:label) names the same
    # parameter resource (A5: ARN format parameter/${ParameterNameWithoutLeadingSlash}).
    name = (name or "").split(":", 1)[0]
    return f"arn:aws:ssm:{r.region}:{r.current_account}:parameter/{name.lstrip('/')}"


def _ssm_names(r, key="Names"):
    names = _p(r, key) or []
    if not names:
        qs = r.querystring or {}
        names = [v[0] for k, v in qs.items() if k.startswith(key + ".member.")]
    return [_ssm_param(r, n) for n in names]


def _lt(r):
    from moto.ec2.models import ec2_backends

    lt_id, name = _p(r, "LaunchTemplateId"), _p(r, "LaunchTemplateName")
    if not lt_id and name:
        try:
            lt_id = ec2_backends[r.current_account][r.region].get_launch_template_by_name(name).id
        except Exception:  # noqa: BLE001
            lt_id = name
    return [f"arn:aws:ec2:{r.region}:{r.current_account}:launch-template/{lt_id}"]


def _unowned(kind, key):
    """An EC2 resource named by the parameter key, whose ARN has no account
    (A5: image/${ImageId}, snapshot/${SnapshotId})."""
    return lambda r: [f"arn:aws:ec2:{r.region}::{kind}/{_p(r, key)}"]


def _by_arn(key):
    """A resource the request names by its ARN, in the parameter key."""
    return lambda r: [_p(r, key)]


def _held(find, fallback):
    """[the ARN of the resource moto's backend holds (find())], or, when it
    holds none, [fallback]: the ARN the name would have."""
    try:
        return [find()]
    except Exception:  # noqa: BLE001
        return [fallback]


def _asg(r):
    from moto.autoscaling.models import autoscaling_backends

    name = _p(r, "AutoScalingGroupName")
    return _held(lambda: autoscaling_backends[r.current_account][r.region].autoscaling_groups[name].arn,
                 f"arn:aws:autoscaling:{r.region}:{r.current_account}:autoScalingGroup:*:autoScalingGroupName/{name}")


def _kms(r):
    from moto.kms.models import kms_backends

    key = _p(r, "KeyId")
    return _held(lambda: kms_backends[r.current_account][r.region].describe_key(key).arn,
                 f"arn:aws:kms:{r.region}:{r.current_account}:key/{key}")


def _stack(r):
    from moto.cloudformation.models import cloudformation_backends

    name = _p(r, "StackName")
    if name and name.startswith("arn:"):
        return [name]
    return _held(lambda: cloudformation_backends[r.current_account][r.region].get_stack(name).stack_id,
                 f"arn:aws:cloudformation:{r.region}:{r.current_account}:stack/{name}/00000000-0000-0000-0000-000000000000")


def _log_group(r):
    return [f"arn:aws:logs:{r.region}:{r.current_account}:log-group:{_p(r, 'logGroupName')}"]


def _log_stream(r):
    return [f"arn:aws:logs:{r.region}:{r.current_account}:log-group:{_p(r, 'logGroupName')}:log-stream:{_p(r, 'logStreamName')}"]


def _create_tags(r):
    out = []
    qs = r.querystring or {}
    for k, v in qs.items():
        if k.startswith("ResourceId."):
            rid = v[0]
            kind = {"ami": "image", "snap": "snapshot", "lt": "launch-template", "i": "instance"}.get(rid.split("-")[0])
            acct = "" if kind in ("image", "snapshot") else r.current_account
            out.append(f"arn:aws:ec2:{r.region}:{acct}:{kind or 'resource'}/{rid}")
    return out or ["*"]


def _alarms(r):
    qs = r.querystring or {}
    names = [v[0] for k, v in qs.items() if k.startswith("AlarmNames.member.")]
    try:
        names = names or list(r._get_param("AlarmNames") or [])
    except Exception:  # noqa: BLE001
        pass
    base = f"arn:aws:cloudwatch:{r.region}:{r.current_account}:alarm:"
    return [base + n for n in names] or [base + "*"]


_image, _snapshot = _unowned("image", "ImageId"), _unowned("snapshot", "SnapshotId")
_topic, _role = _by_arn("TopicArn"), _by_arn("RoleArn")
_state_machine, _execution = _by_arn("stateMachineArn"), _by_arn("executionArn")


def _ssm_named(key):
    """The parameter the request names in key."""
    return lambda r: [_ssm_param(r, _p(r, key))]


def _iam_role(r):
    return [f"arn:aws:iam::{r.current_account}:role/{_p(r, 'RoleName')}"]


def _alarm(r):
    return [f"arn:aws:cloudwatch:{r.region}:{r.current_account}:alarm:{_p(r, 'AlarmName')}"]


_ssm_name, _ssm_resource = _ssm_named("Name"), _ssm_named("ResourceId")

# (service prefix, action) -> the request's resource ARNs (A5).
RESOURCES = {
    ("ssm", "GetParameter"): _ssm_name, ("ssm", "PutParameter"): _ssm_name, ("ssm", "DeleteParameter"): _ssm_name,
    ("ssm", "GetParameterHistory"): _ssm_name, ("ssm", "LabelParameterVersion"): _ssm_name,
    ("ssm", "GetParameters"): _ssm_names, ("ssm", "DeleteParameters"): _ssm_names,
    ("ssm", "AddTagsToResource"): _ssm_resource, ("ssm", "RemoveTagsFromResource"): _ssm_resource,
    ("ssm", "ListTagsForResource"): _ssm_resource,
    ("ec2", "CreateLaunchTemplateVersion"): _lt,
    ("ec2", "ModifyLaunchTemplate"): _lt,
    ("ec2", "DeleteLaunchTemplate"): _lt,
    ("ec2", "ModifyImageAttribute"): _image,
    ("ec2", "DescribeImageAttribute"): _image,
    ("ec2", "DeregisterImage"): _image,
    ("ec2", "ResetImageAttribute"): _image,
    ("ec2", "ModifySnapshotAttribute"): _snapshot,
    ("ec2", "DescribeSnapshotAttribute"): _snapshot,
    ("ec2", "DeleteSnapshot"): _snapshot,
    ("ec2", "CopyImage"): _unowned("image", "SourceImageId"),
    ("ec2", "CreateTags"): _create_tags,
    ("ec2", "DeleteTags"): _create_tags,
    ("autoscaling", "StartInstanceRefresh"): _asg,
    ("autoscaling", "CancelInstanceRefresh"): _asg,
    ("autoscaling", "RollbackInstanceRefresh"): _asg,
    ("autoscaling", "UpdateAutoScalingGroup"): _asg,
    ("autoscaling", "SetDesiredCapacity"): _asg,
    ("autoscaling", "DeleteAutoScalingGroup"): _asg,
    ("autoscaling", "CreateOrUpdateTags"): lambda r: ["*"],
    ("kms", "Decrypt"): _kms, ("kms", "Encrypt"): _kms, ("kms", "GenerateDataKey"): _kms,
    ("kms", "DescribeKey"): _kms, ("kms", "CreateGrant"): _kms, ("kms", "ReEncrypt"): _kms,
    ("kms", "GetKeyPolicy"): _kms, ("kms", "PutKeyPolicy"): _kms, ("kms", "ScheduleKeyDeletion"): _kms,
    ("kms", "GenerateDataKeyWithoutPlaintext"): _kms, ("kms", "ListResourceTags"): _kms,
    ("kms", "TagResource"): _kms, ("kms", "UntagResource"): _kms, ("kms", "EnableKeyRotation"): _kms,
    ("kms", "GetKeyRotationStatus"): _kms,
    ("sns", "Publish"): _topic, ("sns", "GetTopicAttributes"): _topic, ("sns", "Subscribe"): _topic,
    ("sns", "SetTopicAttributes"): _topic, ("sns", "DeleteTopic"): _topic, ("sns", "ListSubscriptionsByTopic"): _topic,
    ("sts", "AssumeRole"): _role, ("sts", "TagSession"): _role,
    ("cloudformation", "DescribeStacks"): _stack, ("cloudformation", "DescribeStackEvents"): _stack,
    ("cloudformation", "DescribeStackResources"): _stack, ("cloudformation", "DescribeStackResource"): _stack,
    ("cloudformation", "ListStackResources"): _stack, ("cloudformation", "GetTemplate"): _stack,
    ("cloudformation", "CreateStack"): _stack, ("cloudformation", "UpdateStack"): _stack,
    ("cloudformation", "DeleteStack"): _stack, ("cloudformation", "CreateChangeSet"): _stack,
    ("cloudformation", "DescribeChangeSet"): _stack, ("cloudformation", "ExecuteChangeSet"): _stack,
    ("cloudformation", "DeleteChangeSet"): _stack, ("cloudformation", "GetTemplateSummary"): _stack,
    ("cloudformation", "ListChangeSets"): _stack, ("cloudformation", "ContinueUpdateRollback"): _stack,
    ("cloudformation", "RollbackStack"): _stack, ("cloudformation", "DetectStackDrift"): _stack,
    ("cloudformation", "DescribeStackResourceDrifts"): _stack, ("cloudformation", "ListStackSetOperations"): lambda r: ["*"],
    ("states", "StartExecution"): _state_machine, ("states", "DescribeStateMachine"): _state_machine,
    ("states", "ListExecutions"): _state_machine,
    ("states", "DescribeExecution"): _execution, ("states", "GetExecutionHistory"): _execution,
    ("states", "StopExecution"): _execution,
    ("logs", "CreateLogStream"): _log_group, ("logs", "DescribeLogStreams"): _log_group,
    ("logs", "PutLogEvents"): _log_stream, ("logs", "GetLogEvents"): _log_stream,
    ("logs", "FilterLogEvents"): _log_group, ("logs", "PutRetentionPolicy"): _log_group,
    ("logs", "CreateLogGroup"): _log_group,
    ("iam", "GetRole"): _iam_role, ("iam", "ListRoleTags"): _iam_role,
    ("cloudwatch", "DescribeAlarms"): _alarms, ("cloudwatch", "SetAlarmState"): _alarm, ("cloudwatch", "PutMetricAlarm"): _alarm,
    ("events", "PutEvents"): lambda r: [f"arn:aws:events:{r.region}:{r.current_account}:event-bus/default"],
}

# S3 operations by method and target (A5: S3's actions name the object or
# the bucket; the subresource in the query names the bucket action).
_S3_SUB = {"policy": "BucketPolicy", "versioning": "BucketVersioning", "encryption": "EncryptionConfiguration",
           "location": "BucketLocation", "acl": "BucketAcl", "tagging": "BucketTagging",
           "publicAccessBlock": "BucketPublicAccessBlock", "lifecycle": "LifecycleConfiguration",
           "ownershipControls": "BucketOwnershipControls", "cors": "BucketCORS", "logging": "BucketLogging",
           "notification": "BucketNotification", "website": "BucketWebsite", "replication": "ReplicationConfiguration"}


def _s3_action(r, bucket, key):
    method = r.method
    qs = r.querystring or {}
    if key:
        return {"GET": "s3:GetObject", "HEAD": "s3:GetObject", "PUT": "s3:PutObject",
                "DELETE": "s3:DeleteObject", "POST": "s3:PutObject"}.get(method, "s3:GetObject"), \
            f"arn:aws:s3:::{bucket}/{key}"
    arn = f"arn:aws:s3:::{bucket}" if bucket else "*"
    for sub, name in _S3_SUB.items():
        if sub in qs:
            if name == "BucketLocation":
                return "s3:GetBucketLocation", arn
            verb = {"GET": "Get", "PUT": "Put", "DELETE": "Delete" if name != "BucketPolicy" else "Delete"}.get(method, "Get")
            if verb == "Delete" and name not in ("BucketPolicy", "BucketTagging", "BucketWebsite"):
                verb = "Put"
            return f"s3:{verb}{name}", arn
    if "delete" in qs and method == "POST":
        return "s3:DeleteObject", arn + "/*"
    if not bucket:
        return "s3:ListAllMyBuckets", "*"
    return {"GET": "s3:ListBucket", "HEAD": "s3:ListBucket", "PUT": "s3:CreateBucket",
            "DELETE": "s3:DeleteBucket"}.get(method, "s3:ListBucket"), arn


def resource_tags(arn, account, region):
    """aws:ResourceTag/KEY of the resource the request names (A5: the
    condition key every tag-authorizing service supports), from moto's
    backends; {} when the resource has none or is not found."""
    try:
        if arn.startswith("arn:aws:ec2:"):
            from moto.ec2.models import ec2_backends

            rid = arn.rsplit("/", 1)[-1]
            return dict(ec2_backends[account][region].tags.get(rid, {}))
        if arn.startswith("arn:aws:ssm:"):
            from moto.ssm.models import ssm_backends

            name = "/" + arn.split(":parameter/", 1)[1]
            b = ssm_backends[account][region]
            if b.get_parameter(name) is None:
                name = name[1:]
            return dict(b.list_tags_for_resource("Parameter", name))
        if arn.startswith("arn:aws:autoscaling:"):
            from moto.autoscaling.models import autoscaling_backends

            name = arn.rsplit("autoScalingGroupName/", 1)[-1]
            g = autoscaling_backends[account][region].autoscaling_groups.get(name)
            return {t.get("key", t.get("Key")): t.get("value", t.get("Value")) for t in g.tags} if g else {}
    except Exception:  # noqa: BLE001
        return {}
    return {}


def request_tags(r):
    """aws:RequestTag/KEY and aws:TagKeys of a request that tags (A5: the
    condition keys of EC2's CreateTags/DeleteTags, SSM's AddTagsToResource
    and every create call with tags): EC2's Tag.N.Key/Value, a JSON Tags
    list; {} when the request has none."""
    tags = {}
    qs = r.querystring or {}
    for k, v in qs.items():
        m = re.match(r"Tag\.(\d+)\.Key$", k)
        if m:
            tags[v[0]] = (qs.get(f"Tag.{m.group(1)}.Value") or [""])[0]
    if not tags:
        try:
            body = r._get_param("Tags")
        except Exception:  # noqa: BLE001
            body = None
        for t in body or []:
            if isinstance(t, dict) and "Key" in t:
                tags[t["Key"]] = t.get("Value", "")
    if not tags:
        return {}
    ctx = {"aws:TagKeys": sorted(tags)}
    for k, v in tags.items():
        ctx[f"aws:RequestTag/{k}"] = v
    return ctx


def _signing_service(headers):
    auth = headers.get("Authorization") or ""
    m = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", auth)
    return m.group(1) if m else None


def authorize(self, iam_request_cls, resource):
    """Replaces moto's ActionAuthenticatorMixin._authenticate_and_authorize_action."""
    moto_authz_seam.set_current_principal(None)
    service = _signing_service(self.headers)
    if service is None:
        return  # unsigned: moto's own API (/moto-api), not AWS
    prefix = PREFIX.get(service, service)
    access_key = self.get_access_key()
    account = self.current_account
    principal = moto_authz.principal_of_key(access_key, account)
    # Test hook (not AWS behaviour): the harness plays an AWS service that
    # assumes a role (Image Builder in e2e/build_test.go): with this header
    # on an operator's AssumeRole, the trust policy is evaluated for the
    # service principal it names (moto_authz_principals, P2).
    as_service = self.headers.get("X-Golden-Fleet-As-Service")
    if as_service and moto_authz.role_name_of(principal) in moto_authz.OPERATOR_ROLES:
        principal = as_service
    moto_authz_seam.set_current_principal(principal)
    if iam_request_cls.__name__ == "S3IAMRequest":
        m = re.match(r"arn:aws:s3:::([^/*]*)(?:/(.*))?$", resource or "")
        bucket = m.group(1) if m else None
        key = self.parsed_url.path.lstrip("/").split("/", 1)
        key = key[1] if len(key) > 1 and bucket else None
        action, arns = _s3_action(self, bucket, key)
        arns = [arns]
    else:
        op = self._get_action()
        op = op[0] if isinstance(op, list) else op
        if not op:
            return
        action = f"{prefix}:{op}"
        if action == "sts:GetCallerIdentity":
            # "No permissions are required to perform this operation"
            # (STS API Reference, GetCallerIdentity); an explicit deny does
            # not stop it either.
            return
        resolver = RESOURCES.get((prefix, op))
        if resolver is not None:
            arns = [a for a in resolver(self) if a] or ["*"]
        elif moto_authz.EVAL["e"].wildcard_only(action):
            arns = ["*"]
        elif moto_authz.role_name_of(principal) in moto_authz.OPERATOR_ROLES:
            arns = ["*"]
        else:
            moto_authz.log(f"UNMAPPED {action} by {principal}: refused (no resource mapping in moto_authz_http.RESOURCES)")
            raise moto_authz.denied_error(prefix, principal, action, "?",
                                          "the emulator's authorization model maps no resource for this action (e2e/moto_authz_http.py)")
    ctx = {"aws:RequestedRegion": self.region}
    ctx.update(request_tags(self))
    for arn in arns:
        owner = arn.split(":")[4] if arn.count(":") >= 5 and arn.split(":")[4] else account
        if action == "sts:AssumeRole":  # the request's STS condition keys (A5: sts:ExternalId, sts:RoleSessionName)
            ctx_assume = dict(ctx) if ":" in principal else {}
            if _p(self, "ExternalId"):
                ctx_assume["sts:ExternalId"] = _p(self, "ExternalId")
            if _p(self, "RoleSessionName"):
                ctx_assume["sts:RoleSessionName"] = _p(self, "RoleSessionName")
            moto_authz.check(principal, action, arn, owner, ctx_assume, service=prefix)
            continue
        c = dict(ctx)
        for k, v in resource_tags(arn, owner, self.region).items():
            c[f"aws:ResourceTag/{k}"] = v
            if prefix == "ec2":  # EC2's own spelling of the key (A5)
                c[f"ec2:ResourceTag/{k}"] = v
        if action == "ec2:ModifySnapshotAttribute":  # A5: listed for this action (not for ModifyImageAttribute)
            qs = self.querystring or {}
            users = [v[0] for k, v in qs.items() if re.match(r"CreateVolumePermission\.Add\.\d+\.UserId$", k)]
            if (qs.get("OperationType") or [""])[0] == "add":  # the UserId.N form of the same request
                users += [v[0] for k, v in qs.items() if re.match(r"UserId\.\d+$", k)]
            if users:
                c["ec2:Add/userId"] = users
        moto_authz.check(principal, action, arn, owner, c, service=prefix)


def patch():
    from moto.core.authorization import ActionAuthenticatorMixin

    ActionAuthenticatorMixin._authenticate_and_authorize_action = authorize
