"""Principals of the calls AWS services make on the account's behalf, made
in the emulator as AWS makes them (e2e/moto_authz.py evaluates them):

P1 Lambda runs a function with temporary credentials of its execution
   role, which it obtains by assuming the role as lambda.amazonaws.com:
   the role's trust policy must allow that service principal.
   https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
P2 A service that acts through a role you pass it (Step Functions'
   state machine role, EventBridge's target role, Image Builder's
   execution role) assumes it as its service principal, under the same
   trust-policy check. https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-service.html
P4 Confused-deputy protection: a service that assumes a role for one of
   your resources passes that resource as aws:SourceArn and its account as
   aws:SourceAccount, which a trust policy may require (CDK's Step
   Functions role does). https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
   https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html
P3 A service-linked role is assumed only by its service and carries the
   AWS-managed policy AWS attaches to it (moto_authz.AWS_MANAGED).
   https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html

With authorization off the credentials are still the role's (moto then
allows everything), so the calls are the same in both modes.
"""

import moto_authz


def _sts(account_id):
    from moto.sts.models import sts_backends

    return sts_backends[account_id]["aws"]


def assume_as_service(service_principal, role_arn, session, region, source_arn=None):
    """(access key, secret, token) of role_arn assumed by service_principal,
    after the role's trust policy allowed it (P1, P2; A3). source_arn: the
    resource on whose behalf the service acts; services that support it
    send it as aws:SourceArn, with aws:SourceAccount, when they assume a
    role (P4)."""
    account = role_arn.split(":")[4]
    if moto_authz.EVAL["e"] is not None:
        ctx = {}
        if source_arn:
            ctx = {"aws:SourceArn": source_arn, "aws:SourceAccount": source_arn.split(":")[4]}
        moto_authz.check(service_principal, "sts:AssumeRole", role_arn, account, context=ctx,
                         service="sts", caller=service_principal)
    r = _sts(account).assume_role(region_name=region, role_session_name=session, role_arn=role_arn,
                                  policy=None, duration=900, external_id=None)
    return r.access_key_id, r.secret_access_key, r.session_token


def lambda_credentials(function_arn, account_id, region):
    """P1: the execution role of the function behind a custom resource."""
    from moto.awslambda.models import lambda_backends

    fn = lambda_backends[account_id][region].get_function(function_arn)
    return assume_as_service("lambda.amazonaws.com", fn.role, fn.function_name[:64], region)


def session_arn(role_arn, session):
    account = role_arn.split(":")[4]
    return f"arn:aws:sts::{account}:assumed-role/{role_arn.split('/')[-1]}/{session}"


def eventbridge_target(target, account_id, region, rule_arn=None):
    """P2: EventBridge starts a Step Functions target with the target's
    role: it assumes RoleArn as events.amazonaws.com, and the role must
    allow states:StartExecution on the state machine.
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-identity-based.html"""
    role = target.get("RoleArn")
    if moto_authz.EVAL["e"] is None:
        return
    if not role:
        raise RuntimeError(f"EventBridge target {target['Arn']} has no RoleArn: EventBridge cannot start a state machine without one")
    assume_as_service("events.amazonaws.com", role, "events", region, source_arn=rule_arn)
    moto_authz.check(session_arn(role, "events"), "states:StartExecution", target["Arn"], account_id,
                     service="states", caller="events.amazonaws.com")


def _step_functions_client(region, service, state_credentials=None):
    """P2: a Step Functions task's SDK integration calls the service with
    the execution role's credentials (or the task's Credentials role), which
    Step Functions assumes as states.amazonaws.com.
    https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html"""
    import boto3
    from botocore.config import Config
    from moto.settings import moto_server_port

    role = getattr(state_credentials, "role_arn", None)
    key, secret, token = ("ak", "sk", None)
    if role:
        key, secret, token = assume_as_service("states.amazonaws.com", role, "states", region,
                                               source_arn=_state_machine_of(role, region))
    return boto3.client(service_name=service, region_name=region, aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token,
                        endpoint_url=f"http://localhost:{moto_server_port()}",
                        config=Config(parameter_validation=False, retries={"max_attempts": 0, "total_max_attempts": 1}))


# role ARN -> the state machine last seen with it: an execution that is
# still running when its stack deletes the state machine (the fleet stack
# deleted while a Parameter Store event's execution runs) still belongs to
# that state machine, and Step Functions assumes its role with that ARN as
# aws:SourceArn.
_machine_by_role = {}


def _state_machine_of(role_arn, region):
    """The state machine whose execution role role_arn is (the execution
    whose task calls; moto's task does not say which), or None."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    account = role_arn.split(":")[4]
    try:
        machines = stepfunctions_parser_backends[account][region].state_machines
    except Exception:  # noqa: BLE001
        return None
    arns = [m.arn for m in machines if getattr(m, "roleArn", None) == role_arn]
    if len(arns) == 1:
        _machine_by_role[role_arn] = arns[0]
        return arns[0]
    return _machine_by_role.get(role_arn) if not arns else None


def patch_step_functions():
    import sys as _sys

    import moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk  # noqa: F401

    for name, mod in list(_sys.modules.items()):
        if name.startswith("moto.stepfunctions.parser") and hasattr(mod, "boto_client_for"):
            mod.boto_client_for = _step_functions_client


patch_step_functions()
