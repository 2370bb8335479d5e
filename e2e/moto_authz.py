"""The emulator's authorization model: every request moto receives is
attributed to its principal, mapped to its IAM action and resource ARN,
evaluated by @cloud-copilot/iam-simulate (tools/iamsim/evaluator.mjs, one
long-lived node process on a pipe) with the policies AWS would evaluate,
and answered with AWS's own error when denied. Installed by
e2e/moto_server.py (on unless E2E_AUTHZ=off); behaviours that AWS
authorizes inside a service (a custom resource's Lambda role, a service-
linked role) ask the same evaluator through e2e/moto_authz_seam.py.

What AWS does, and where it says so (A1..A9 in the comments below):
A1 Policy evaluation logic: an explicit deny wins; within one account a
   request is allowed when an identity-based or a resource-based policy
   allows it; across accounts both the caller's identity policy and the
   resource's policy must allow it.
   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
   (implemented by iam-simulate; we supply the policies and the context).
A2 KMS: "no AWS principal has any permissions to a KMS key unless that
   permission is explicitly allowed in a key policy"; a key policy that
   allows the account root delegates to IAM policies.
   https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
A3 Role trust policy: sts:AssumeRole is allowed when the role's trust
   policy allows the caller (and, across accounts, the caller's identity
   policy allows sts:AssumeRole on the role).
   https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage-assume.html
   https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
A4 SNS topic policies are resource policies evaluated with the caller's
   identity policy; an encrypted topic also needs the publisher to be
   allowed kms:GenerateDataKey* and kms:Decrypt on the topic's key.
   https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
   https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
A5 Actions, resource types and their ARN formats, condition keys: the
   Service Authorization Reference (iam-data ships it; iam-simulate
   validates every request against it).
   https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
A6 Global condition keys the request context carries: aws:PrincipalArn
   (the role's ARN for an assumed-role session), aws:PrincipalAccount,
   aws:SecureTransport (true: the SDKs and CLI call AWS over HTTPS; the
   emulator's plain HTTP is a test artefact), aws:RequestedRegion,
   aws:ResourceAccount (and S3's s3:ResourceAccount), aws:ResourceTag/KEY
   of the resource the request names. KMS adds kms:CallerAccount, the
   account of the caller, to every request ("kms:CallerAccount", AWS KMS
   condition keys).
   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
   https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-caller-account
A7 Errors of a denied call, per service protocol:
   query/XML (IAM, STS, Auto Scaling, CloudFormation): 403 AccessDenied;
   EC2: 403 UnauthorizedOperation ("You are not authorized to perform this
   operation"), https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html;
   SNS: 403 AuthorizationError, https://docs.aws.amazon.com/sns/latest/api/CommonErrors.html;
   JSON protocols (SSM, KMS, Logs, Step Functions, EventBridge): 400
   AccessDeniedException, https://docs.aws.amazon.com/kms/latest/APIReference/CommonErrors.html
   (KMS names KMSAccessDeniedException for key-policy refusals in its
   data-plane operations' errors); S3: 403 AccessDenied;
   Lambda: 403 AccessDeniedException.
A8 The CDK CLI deploys through the bootstrap roles it assumes (deploy,
   file-publishing, lookup), and CloudFormation creates the resources with
   the bootstrap's CloudFormation execution role (AdministratorAccess by
   default). https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html
   moto creates a stack's resources inside the CreateStack/UpdateStack
   request, so they are authorized as that role (allowed), not per call.
A9 Requests signed with the harness's own keys ("testing", moto's root
   keys) are the operator: the e2e test observing and arranging state, and
   the CLI before it assumes a bootstrap role. The model gives the operator
   AdministratorAccess (arn:aws:iam::aws:policy/AdministratorAccess); its
   calls still meet resource policies (a KMS key policy that does not allow
   the account denies even an administrator, A2).
"""

import atexit
import json
import os
import subprocess
import sys
import threading
import time

import moto_authz_seam

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVALUATOR = os.path.join(ROOT, "tools", "iamsim", "evaluator.mjs")
NODE = os.path.join(ROOT, "tools", "cdk", "node_modules", ".bin", "node")

# The operator (A9): the harness's own keys, and in another account the
# role the harness assumes there to act as that account's administrator
# (e2e/promote_test.go: golden-fleet-e2e; scripts/local-up, the
# playground's second account: golden-fleet-playground-operator). moto lets a role that does not
# exist be assumed; the model gives such an operator role a trust policy
# that trusts the harness's operator only.
OPERATOR_ROLE = "e2e-operator"
OPERATOR_ROLES = {OPERATOR_ROLE, "golden-fleet-e2e", "golden-fleet-playground-operator"}
OPERATOR_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Sid": "TheHarnessOperator", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
    "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/" + OPERATOR_ROLE}}}]}


def log(msg):
    print(f"moto_authz: {msg}", file=sys.stderr, flush=True)


# AWS-managed policies: what the model assumes each allows, and the AWS
# Managed Policy Reference page that says so. Only statements read on that
# page are copied, and only those of calls the emulator makes; a policy
# whose page could not be read here is modelled as allowing NOTHING (the
# conservative side: a call that relies on it is denied in the e2e and
# shows up, it is never let through on a guess). The table is the one home
# of these assumptions; docs/authorization.md prints it.
_REF = "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/"
AWS_MANAGED = {
    "AdministratorAccess": (_REF + "AdministratorAccess.html",
                            [{"Sid": "AdministratorAccess", "Effect": "Allow", "Action": "*", "Resource": "*"}]),
    "AWSCloudFormationReadOnlyAccess": (  # the CDK bootstrap's deploy role
        _REF + "AWSCloudFormationReadOnlyAccess.html",
        [{"Effect": "Allow", "Resource": "*",
          "Action": ["cloudformation:Describe*", "cloudformation:BatchDescribe*", "cloudformation:EstimateTemplateCost",
                     "cloudformation:Get*", "cloudformation:List*", "cloudformation:ValidateTemplate",
                     "cloudformation:Detect*"]}]),
    "service-role/AWSLambdaBasicExecutionRole": (
        _REF + "AWSLambdaBasicExecutionRole.html",
        [{"Sid": "AWSLambdaBasicExecutionRole", "Effect": "Allow",
          "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]),
    "service-role/AutoScalingNotificationAccessRole": (
        _REF + "AutoScalingNotificationAccessRole.html",
        [{"Sid": "AutoScalingNotificationAccessRole", "Effect": "Allow", "Resource": "*",
          "Action": ["sqs:SendMessage", "sqs:GetQueueUrl", "sns:Publish"]}]),
    "aws-service-role/AutoScalingServiceRolePolicy": (
        _REF + "AutoScalingServiceRolePolicy.html",
        [{"Sid": "EC2InstanceManagement", "Effect": "Allow",
          "Action": ["ec2:AttachClassicLinkVpc", "ec2:CancelSpotInstanceRequests", "ec2:CreateReplaceRootVolumeTask",
                     "ec2:CreateFleet", "ec2:CreateTags", "ec2:DeleteTags", "ec2:Describe*",
                     "ec2:DetachClassicLinkVpc", "ec2:GetInstanceTypesFromInstanceRequirements",
                     "ec2:GetSecurityGroupsForVpc", "ec2:ModifyInstanceAttribute", "ec2:RequestSpotInstances",
                     "ec2:RunInstances", "ec2:StartInstances", "ec2:StopInstances", "ec2:TerminateInstances"],
          "Resource": "*"},
         {"Sid": "EC2InstanceProfileManagement", "Effect": "Allow", "Action": ["iam:PassRole"], "Resource": "*",
          "Condition": {"StringLike": {"iam:PassedToService": "ec2.amazonaws.com*"}}},
         {"Sid": "SNSManagement", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": "*"},
         {"Sid": "SystemsManagerParameterManagement", "Effect": "Allow", "Action": ["ssm:GetParameters"],
          "Resource": "*"}]),
    "service-role/EC2ImageBuilderLifecycleExecutionPolicy": (
        _REF + "EC2ImageBuilderLifecycleExecutionPolicy.html",
        [{"Sid": "Ec2ImagePermission", "Effect": "Allow",
          "Action": ["ec2:EnableImage", "ec2:DeregisterImage", "ec2:EnableImageDeprecation",
                     "ec2:DescribeImageAttribute", "ec2:DisableImage", "ec2:DisableImageDeprecation"],
          "Resource": "arn:aws:ec2:*::image/*",
          "Condition": {"StringEquals": {"aws:ResourceTag/CreatedBy": "EC2 Image Builder"}}},
         {"Sid": "EC2DeleteSnapshotPermission", "Effect": "Allow", "Action": "ec2:DeleteSnapshot",
          "Resource": "arn:aws:ec2:*::snapshot/*",
          "Condition": {"StringEquals": {"aws:ResourceTag/CreatedBy": "EC2 Image Builder"}}}]),
    # Not read here: modelled as allowing nothing.
    "ReadOnlyAccess": (_REF + "ReadOnlyAccess.html", []),
    "EC2ImageBuilderExecutionPolicy": (_REF + "EC2ImageBuilderExecutionPolicy.html", []),
    "aws-service-role/AWSServiceRoleForImageBuilder": (
        _REF + "AWSServiceRoleForImageBuilder.html",  # v25; the statements of the distribution's calls
        [{"Effect": "Allow", "Resource": "*",
          "Action": ["ec2:CopyImage", "ec2:CreateImage", "ec2:CreateLaunchTemplate", "ec2:DeregisterImage",
                     "ec2:DescribeImages", "ec2:DescribeInstanceAttribute", "ec2:DescribeInstanceStatus",
                     "ec2:DescribeInstances", "ec2:DescribeInstanceTypeOfferings", "ec2:DescribeInstanceTypes",
                     "ec2:DescribeSubnets", "ec2:DescribeTags", "ec2:ModifyImageAttribute",
                     "ec2:DescribeImportImageTasks", "ec2:DescribeExportImageTasks", "ec2:DescribeSnapshots",
                     "ec2:DescribeHosts"]},
         {"Effect": "Allow", "Action": ["ec2:ModifySnapshotAttribute"], "Resource": "arn:aws:ec2:*::snapshot/*",
          "Condition": {"StringEquals": {"ec2:ResourceTag/CreatedBy": "EC2 Image Builder"}}},
         {"Effect": "Allow", "Action": ["sns:Publish"], "Resource": "*"},
         {"Effect": "Allow", "Action": "sts:AssumeRole",
          "Resource": "arn:aws:iam::*:role/EC2ImageBuilderDistributionCrossAccountRole"},
         {"Effect": "Allow", "Resource": "*",
          "Action": ["ec2:CreateLaunchTemplateVersion", "ec2:DescribeLaunchTemplates", "ec2:ModifyLaunchTemplate",
                     "ec2:DescribeLaunchTemplateVersions"]},
         {"Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:PutParameter"],
          "Resource": "arn:aws:ssm:*:*:parameter/imagebuilder/*"}]),
    "EC2InstanceProfileForImageBuilder": (_REF + "EC2InstanceProfileForImageBuilder.html", []),
    "AmazonSSMManagedInstanceCore": (_REF + "AmazonSSMManagedInstanceCore.html", []),
    "CloudWatchAgentServerPolicy": (_REF + "CloudWatchAgentServerPolicy.html", []),
}

# Service-linked roles: role name -> the AWS-managed policy attached.
SERVICE_LINKED = {
    "AWSServiceRoleForAutoScaling": "aws-service-role/AutoScalingServiceRolePolicy",
    "AWSServiceRoleForImageBuilder": "aws-service-role/AWSServiceRoleForImageBuilder",
}


def service_linked_role_arn(account_id, service, name):
    return f"arn:aws:iam::{account_id}:role/aws-service-role/{service}/{name}"


# The evaluator process -------------------------------------------------------

class Evaluator:
    def __init__(self):
        self.lock = threading.Lock()
        self.n = 0
        self.calls = 0
        self.seconds = 0.0
        self.proc = subprocess.Popen([NODE, EVALUATOR], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     cwd=os.path.dirname(EVALUATOR), text=True, bufsize=1)
        atexit.register(self.stop)
        self._wildcard = {}

    def ask(self, query):
        with self.lock:
            t = time.monotonic()
            self.n += 1
            query["id"] = self.n
            self.proc.stdin.write(json.dumps(query) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
            self.calls += 1
            self.seconds += time.monotonic() - t
            if self.calls % 500 == 0:  # moto is killed, not stopped: the totals so far
                log(f"{self.calls} evaluations, {self.seconds:.2f} s in the evaluator")
        if not line:
            raise RuntimeError("the authorization evaluator (tools/iamsim/evaluator.mjs) exited")
        return json.loads(line)

    def wildcard_only(self, action):
        if action not in self._wildcard:
            self._wildcard[action] = bool(self.ask({"wildcardOnly": action}).get("wildcardOnly"))
        return self._wildcard[action]

    def stop(self):
        if self.proc.poll() is None:
            log(f"{self.calls} evaluations, {self.seconds:.2f} s in the evaluator")
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


EVAL = {"e": None}
RECORD = {"path": None, "lock": threading.Lock()}


def record(entry):
    if RECORD["path"]:
        with RECORD["lock"], open(RECORD["path"], "a") as f:
            f.write(json.dumps(entry) + "\n")


# Principals ------------------------------------------------------------------

def _iam(account_id):
    from moto.iam.models import iam_backends

    return iam_backends[account_id]["aws"]


def role_name_of(principal_arn):
    """role name of arn:aws:iam::A:role/[path/]NAME or arn:aws:sts::A:assumed-role/NAME/SESSION."""
    if principal_arn.count(":") < 5:
        return None  # a service principal
    res = principal_arn.split(":", 5)[5]
    if res.startswith("assumed-role/"):
        return res.split("/")[1]
    if res.startswith("role/"):
        return res.split("/")[-1]
    return None


def role_arn_of(principal_arn):
    parts = principal_arn.split(":")
    name = role_name_of(principal_arn)
    if parts[2] == "sts" and name:
        try:
            return _iam(parts[4]).get_role(name).arn
        except Exception:
            return f"arn:aws:iam::{parts[4]}:role/{name}"
    return principal_arn


def _doc(doc):
    """A policy document as CloudFormation hands it to IAM: a list entry
    that was Fn::If ... AWS::NoValue is removed ("removes the corresponding
    resource property", Pseudo parameters reference, AWS::NoValue); moto
    5.2.1 keeps it as null."""
    if isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except ValueError:
            # moto 5.2.1 stores a role's inline policy that CloudFormation
            # handed it as an object (AWS::IAM::Role Policies) as Python's
            # repr of that object.
            import ast

            doc = ast.literal_eval(doc)

    def clean(v):
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items() if x is not None}
        if isinstance(v, list):
            return [clean(x) for x in v if x is not None]
        return v

    return clean(doc)


def _aws_managed(arn_or_name):
    name = arn_or_name.split(":policy/", 1)[-1]
    if name not in AWS_MANAGED:
        return None
    statements = AWS_MANAGED[name][1]
    if not statements:
        return {}  # modelled as allowing nothing
    return {"name": "aws-managed/" + name, "policy": {"Version": "2012-10-17", "Statement": statements}}


def identity_policies(principal_arn):
    """The role's inline and attached policies, from moto's IAM backend;
    AWS-managed ones from AWS_MANAGED."""
    account = principal_arn.split(":")[4]
    name = role_name_of(principal_arn)
    if name in OPERATOR_ROLES:
        return [_aws_managed("AdministratorAccess")]
    if name in SERVICE_LINKED:
        return [m for m in [_aws_managed(SERVICE_LINKED[name])] if m]
    try:
        role = _iam(account).get_role(name)
    except Exception:
        return []
    out = []
    for pname, doc in role.policies.items():
        out.append({"name": f"{name}/{pname}", "policy": _doc(doc)})
    for arn in getattr(role, "_gf_managed_arns", []):
        if arn not in role.managed_policies:
            m = _aws_managed(arn) if ":iam::aws:policy/" in arn else None
            if m is None:
                log(f"{name}: managed policy {arn} is not in the model's table: nothing it allows is modelled")
            elif m:
                out.append(m)
    for arn, pol in role.managed_policies.items():
        if ":iam::aws:policy/" in arn:
            m = _aws_managed(arn)
            if m is None:
                log(f"{name}: AWS-managed policy {arn} is not in the model's table: nothing it allows is modelled")
            elif m:
                out.append(m)
            continue
        doc = pol.default_version.document if hasattr(pol, "default_version") else None
        if doc is None:
            doc = next((v.document for v in pol.versions if v.is_default), None)
        out.append({"name": f"{name}/{pol.name}", "policy": _doc(doc)})
    return out


def principal_of_key(access_key, account_id):
    """The principal ARN a request signed with access_key acts as: the
    assumed-role session STS issued the key for (A3), else the operator
    (A9)."""
    from moto.sts.models import sts_backends

    for acct in list(sts_backends.keys()):
        for part in list(sts_backends[acct].keys()):
            for r in sts_backends[acct][part].assumed_roles:
                if r.access_key_id == access_key:
                    return f"arn:aws:sts::{r.role_arn.split(':')[4]}:assumed-role/{r.role_arn.split('/')[-1]}/{r.session_name}"
    return f"arn:aws:sts::{account_id}:assumed-role/{OPERATOR_ROLE}/harness"


# Errors (A7) -------------------------------------------------------------------

def denied_error(service, principal, action, resource, why):
    from xml.sax.saxutils import escape

    from moto.core.exceptions import AccessDeniedError, JsonRESTError

    msg = f"User: {principal} is not authorized to perform: {action} on resource: {resource} because {why}"
    if service in ("ssm", "kms", "logs", "states", "events", "lambda", "imagebuilder"):
        e = JsonRESTError("AccessDeniedException", msg)
        e.code = 403 if service in ("lambda", "imagebuilder") else 400
        return e
    e = AccessDeniedError(principal, action)  # query/XML: <ErrorResponse><Error> with Code and Message
    e.code = 403
    code = {"ec2": "UnauthorizedOperation", "sns": "AuthorizationError"}.get(service, "AccessDenied")
    e.error_type, e.message = code, msg
    if service == "ec2":
        e.description = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code>"
                         f"<Message>You are not authorized to perform this operation. {escape(msg)}</Message></Error></Errors>"
                         f"<RequestID>authz</RequestID></Response>")
    elif service == "s3":
        e.description = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code>"
                         f"<Message>{escape(msg)}</Message><RequestId>authz</RequestId></Error>")
    else:
        e.description = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><ErrorResponse><Error><Type>Sender</Type>"
                         f"<Code>{code}</Code><Message>{escape(msg)}</Message></Error><RequestId>authz</RequestId></ErrorResponse>")
    return e


class Denied(Exception):
    pass


# Evaluation ------------------------------------------------------------------

def check(principal, action, resource, resource_account, context=None, resource_policy=None,
          service=None, caller="api"):
    """Evaluates; records the allow; raises AWS's error (A7) when denied."""
    e = EVAL["e"]
    if e is None:
        return
    if ":" in principal:
        account = principal.split(":")[4]
        role_arn = role_arn_of(principal)
        ctx = {"aws:PrincipalArn": role_arn, "aws:PrincipalAccount": account, "aws:SecureTransport": "true"}
        if action.startswith("kms:"):  # A6
            ctx["kms:CallerAccount"] = account
        identity = identity_policies(principal)
    else:  # a service principal (moto_authz_principals): no identity policy of its own
        role_arn, ctx, identity = principal, {"aws:SecureTransport": "true"}, []
    if resource_account:  # A6: the resource owner's account
        ctx["aws:ResourceAccount"] = resource_account
        if action.startswith("s3:"):
            ctx["s3:ResourceAccount"] = resource_account
    ctx.update(context or {})
    if resource_policy is None:
        resource_policy = resource_policy_of(action, resource, resource_account)
    q = {"principal": principal, "action": action, "resource": resource, "resourceAccount": resource_account,
         "identityPolicies": identity, "resourcePolicy": resource_policy, "context": ctx}
    r = e.ask(q)
    if r.get("result") == "Allowed":
        record({"principal": role_arn, "action": action, "resource": resource, "via": caller,
                "statements": r.get("allow", [])})
        return
    known = known_denied(role_arn, action, resource)
    if known is not None:
        log(f"KNOWN-DENIED {principal} {action} {resource}: let through, listed in e2e/authz_known_denied.json ({known['issue']})")
        record({"principal": role_arn, "action": action, "resource": resource, "via": caller,
                "knownDenied": known["issue"], "result": r.get("result")})
        return
    why = {"ExplicitlyDenied": "an explicit deny applies",
           "ImplicitlyDenied": "no policy allows it (identity" + (" and resource" if resource_policy else "") + " policies evaluated)",
           }.get(r.get("result"), f"the model could not evaluate it: {json.dumps(r.get('errors'))[:600]}")
    log(f"DENIED {principal} {action} {resource} ({why})")
    record({"principal": role_arn, "action": action, "resource": resource, "via": caller, "denied": r.get("result"),
            "errors": r.get("errors")})
    raise denied_error(service or action.split(":")[0], principal, action, resource, why)


KNOWN_DENIED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "authz_known_denied.json")
_known = {"entries": None}


def known_denied(role_arn, action, resource):
    """The entry of e2e/authz_known_denied.json this denial matches, or None."""
    import fnmatch

    if _known["entries"] is None:
        with open(KNOWN_DENIED) as f:
            _known["entries"] = json.load(f)["entries"]
    name = role_arn.rsplit("/", 1)[-1]
    for e in _known["entries"]:
        if fnmatch.fnmatchcase(name, e["role"]) and e["action"] == action and fnmatch.fnmatchcase(resource, e["resource"]):
            return e
    return None


def resource_policy_of(action, resource, resource_account):
    """KMS key policy (A2), SNS topic policy (A4), role trust policy (A3),
    S3 bucket policy, from moto's backends."""
    try:
        if action == "sts:AssumeRole" or action == "sts:TagSession":
            name = resource.split("/")[-1]
            if name in OPERATOR_ROLES:
                return OPERATOR_TRUST
            return _doc(_iam(resource_account).get_role(name).assume_role_policy_document)
        if resource.startswith("arn:aws:kms:"):
            from moto.kms.models import kms_backends

            region = resource.split(":")[3]
            key = kms_backends[resource_account][region].describe_key(resource.split("/")[-1])
            return _doc(key.policy)
        if resource.startswith("arn:aws:sns:"):
            from moto.sns.models import sns_backends

            region = resource.split(":")[3]
            topic = sns_backends[resource_account][region].get_topic(resource)
            return _doc(topic.policy)
        if resource.startswith("arn:aws:s3:::"):
            from moto.s3.models import s3_backends

            bucket = resource[len("arn:aws:s3:::"):].split("/")[0]
            b = s3_backends[resource_account]["aws"].get_bucket(bucket)
            return _doc(b.policy) if b.policy else None
    except Exception as ex:  # noqa: BLE001 - no such resource: no resource policy
        log(f"no resource policy for {action} {resource}: {ex}")
    return None


def _remember_managed_policy_arns():
    """AWS::IAM::Role ManagedPolicyArns: "a list of ARNs for the IAM managed
    policies that you want to attach to the role" (the resource
    reference); moto 5.2.1 ignores the property. The role keeps the list
    for identity_policies()."""
    from moto.iam.models import Role

    create = Role.create_from_cloudformation_json.__func__
    update = Role.update_from_cloudformation_json.__func__

    @classmethod
    def created(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        role = create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        role._gf_managed_arns = list((cloudformation_json.get("Properties") or {}).get("ManagedPolicyArns") or [])
        return role

    @classmethod
    def updated(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        role = update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        role._gf_managed_arns = list((cloudformation_json.get("Properties") or {}).get("ManagedPolicyArns") or [])
        return role

    Role.create_from_cloudformation_json = created
    Role.update_from_cloudformation_json = updated


def _seam_checker(principal_arn, action, resource_arn, account_id, context):
    check(principal_arn, action, resource_arn, account_id, context, caller="service")


def install(record_path=None):
    """Starts the evaluator and patches moto's request authorization."""
    if not os.path.isdir(os.path.join(os.path.dirname(EVALUATOR), "node_modules", "@cloud-copilot", "iam-simulate")):
        raise SystemExit("moto_authz: tools/iamsim/node_modules is missing: run `make deps` (or E2E_AUTHZ=off)")
    EVAL["e"] = Evaluator()
    RECORD["path"] = record_path
    moto_authz_seam.install(_seam_checker)
    import moto_authz_http

    moto_authz_http.patch()
    _remember_managed_policy_arns()
    import moto_authz_asg

    moto_authz_asg.patch()
    log(f"enforcing (evaluator pid {EVAL['e'].proc.pid}); recording to {record_path}")
