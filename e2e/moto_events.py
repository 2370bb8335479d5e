"""The event path of the golden-fleet rollout and AMI marks on moto 5.2.1:
a write of an SSM parameter emits Systems Manager's "Parameter Store
Change" event, an EventBridge rule starts its Step Functions targets, and
the state machines run. moto has none of the three links.

Imported by e2e/moto_refresh.py (itself imported by e2e/moto_server.py).

1. Systems Manager sends a "Parameter Store Change" event to the default
   event bus when a parameter is created, updated or deleted: source
   "aws.ssm", detail {"operation": "Create" | "Update" | "Delete", "name",
   "type", "description"}, the parameter's ARN in resources. (Labelling a
   version, "LabelParameterVersion", is not emulated.)
   Sources: Amazon EventBridge Events Reference, "Amazon EC2 Systems
   Manager events" (SSM service events, "Parameter Store Change"); AWS
   Systems Manager User Guide, "Amazon EventBridge event examples for
   Systems Manager" (Parameter Store events). moto's SSM emits nothing.
2. EventBridge delivers an event that matches a rule to a Step Functions
   state machine target by starting an execution with the event (or the
   target's Input) as its input. Source: Amazon EventBridge User Guide,
   "Event bus targets" (Step Functions state machine) and the
   StartExecution API. moto delivers to logs, event buses, SQS and API
   destinations only.
3. Step Functions runs what it is asked to: moto runs state machines only
   when configured with {"stepfunctions": {"execute_state_machine": true}},
   in a second backend that does not see the state machines CloudFormation
   created. Both are one backend here, with executions on. Its AWS SDK
   integration tasks call moto itself at localhost:MOTO_PORT
   (moto/stepfunctions/parser/asl/utils/boto_client.py): MOTO_PORT is set
   to this server's --port. moto also fails to start a second execution
   while one has run, and names executions started without a name "None";
   here it does neither.
"""

import json
import os
import sys
import uuid

import moto.stepfunctions.models as sfn_models
from moto.core.config import default_user_config
from moto.events.models import Rule, events_backends
from moto.ssm.models import SimpleSystemManagerBackend
from moto.stepfunctions.parser.backend.execution import Execution
from moto.stepfunctions.parser.models import StepFunctionsParserBackend, stepfunctions_parser_backends
from moto.utilities.arns import parse_arn

import moto_authz_principals  # EventBridge and Step Functions act as their roles (e2e/moto_authz_principals.py)


def log(msg):
    print(f"moto_events: {msg}", file=sys.stderr, flush=True)


# 3. Step Functions runs state machines, CloudFormation's included -----------

if "--port" in sys.argv:
    os.environ.setdefault("MOTO_PORT", sys.argv[sys.argv.index("--port") + 1])
default_user_config["stepfunctions"]["execute_state_machine"] = True
# CloudFormation's AWS::StepFunctions::StateMachine resolves this module
# global at create and delete time.
sfn_models.stepfunctions_backends = stepfunctions_parser_backends

# Any number of executions run, of one or several state machines
# (StartExecution API). moto deep-copies a state machine for each
# execution, with the backend it refers to and so every running execution
# and its locks, and fails from the second execution on. An execution is
# not copied: the copy refers to the same one.
Execution.__deepcopy__ = lambda self, memo: self

# "If you don't provide a name for the execution, Step Functions
# automatically generates a universally unique identifier (UUID) as the
# execution name" (StartExecution API); moto names it "None", and the
# second such execution fails with ExecutionAlreadyExists.
_start_execution = StepFunctionsParserBackend.start_execution


def _start_execution_named(self, state_machine_arn, name=None, *args, **kwargs):
    return _start_execution(self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)


StepFunctionsParserBackend.start_execution = _start_execution_named


# 1. Parameter Store Change events ------------------------------------------

_put_parameter = SimpleSystemManagerBackend.put_parameter
_delete_parameter = SimpleSystemManagerBackend.delete_parameter


def _emit(backend, operation, name, parameter_type, description):
    detail = {"operation": operation, "name": name, "type": parameter_type, "description": description or ""}
    arn = f"arn:aws:ssm:{backend.region_name}:{backend.account_id}:parameter/{name.lstrip('/')}"
    events_backends[backend.account_id][backend.region_name].put_events([{
        "Source": "aws.ssm", "DetailType": "Parameter Store Change", "Detail": json.dumps(detail),
        "Resources": [arn], "EventBusName": "default",
    }])
    log(f"Parameter Store Change {operation} {name}")


def _put_parameter_emitting(self, name, description, value, parameter_type, *args, **kwargs):
    existed = self.get_parameter(name) is not None
    param = _put_parameter(self, name, description, value, parameter_type, *args, **kwargs)
    _emit(self, "Update" if existed else "Create", name, parameter_type, description)
    return param


def _delete_parameter_emitting(self, name):
    param = self.get_parameter(name)
    _delete_parameter(self, name)
    _emit(self, "Delete", name, param.parameter_type, param.description)


SimpleSystemManagerBackend.put_parameter = _put_parameter_emitting
SimpleSystemManagerBackend.delete_parameter = _delete_parameter_emitting


# 2. Step Functions targets ---------------------------------------------------

_send_to_targets = Rule.send_to_targets


def _is_state_machine(target):
    arn = parse_arn(target["Arn"])
    return arn.service == "states" and arn.resource_type == "stateMachine"


def _send_to_targets_and_state_machines(self, original_event, transform_input=True):
    # moto's own delivery raises NotImplementedError on a target it does
    # not know: it sees the others only.
    machines = [t for t in self.targets if _is_state_machine(t)]
    targets = self.targets
    self.targets = [t for t in targets if not _is_state_machine(t)]
    try:
        _send_to_targets(self, original_event, transform_input)
    finally:
        self.targets = targets
    if not machines or not self.event_pattern.matches_event(original_event):
        return
    for target in machines:
        arn = parse_arn(target["Arn"])
        event = target.get("Input") or json.dumps(original_event, default=str)
        backend = stepfunctions_parser_backends[arn.account][arn.region]
        moto_authz_principals.eventbridge_target(target, arn.account, arn.region, self.arn)  # as the target's role (P2)
        execution = backend.start_execution(target["Arn"], execution_input=event)
        log(f"rule {self.name}: started {execution.execution_arn}")


Rule.send_to_targets = _send_to_targets_and_state_machines
