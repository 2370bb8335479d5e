"""The event path of the golden-fleet rollout and AMI marks on moto 5.2.1:
a write of an SSM parameter emits Systems Manager's "Parameter Store
Change" event, an EventBridge rule starts its Step Functions targets, and
the state machines run. moto has none of the three links.

Imported by e2e/moto_refresh.py (itself imported by e2e/moto_server.py).

1. Systems Manager sends a "Parameter Store Change" event to the default
   event bus when a parameter is created or updated: source "aws.ssm",
   detail {"operation": "Create" | "Update", "name", "type",
   "description"}, the parameter's ARN in resources.
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
   to this server's --port.
"""

import json
import os
import sys
import uuid

import moto.stepfunctions.models as sfn_models
from moto.core.config import default_user_config
from moto.events.models import Rule, events_backends
from moto.ssm.models import SimpleSystemManagerBackend
from moto.stepfunctions.parser.models import stepfunctions_parser_backends
from moto.utilities.arns import parse_arn


def log(msg):
    print(f"moto_events: {msg}", file=sys.stderr, flush=True)


# 3. Step Functions runs state machines, CloudFormation's included -----------

if "--port" in sys.argv:
    os.environ.setdefault("MOTO_PORT", sys.argv[sys.argv.index("--port") + 1])
default_user_config["stepfunctions"]["execute_state_machine"] = True
# CloudFormation's AWS::StepFunctions::StateMachine resolves this module
# global at create and delete time.
sfn_models.stepfunctions_backends = stepfunctions_parser_backends


# 1. Parameter Store Change events ------------------------------------------

_put_parameter = SimpleSystemManagerBackend.put_parameter


def _put_parameter_emitting(self, name, description, value, parameter_type, *args, **kwargs):
    existed = self.get_parameter(name) is not None
    param = _put_parameter(self, name, description, value, parameter_type, *args, **kwargs)
    detail = {"operation": "Update" if existed else "Create", "name": name, "type": parameter_type,
              "description": description or ""}
    arn = f"arn:aws:ssm:{self.region_name}:{self.account_id}:parameter/{name.lstrip('/')}"
    events_backends[self.account_id][self.region_name].put_events([{
        "Source": "aws.ssm", "DetailType": "Parameter Store Change", "Detail": json.dumps(detail),
        "Resources": [arn], "EventBusName": "default",
    }])
    log(f"Parameter Store Change {detail['operation']} {name}")
    return param


SimpleSystemManagerBackend.put_parameter = _put_parameter_emitting


# 2. Step Functions targets ---------------------------------------------------

_send_to_targets = Rule.send_to_targets


def _send_to_targets_and_state_machines(self, original_event, transform_input=True):
    _send_to_targets(self, original_event, transform_input)
    if not self.event_pattern.matches_event(original_event):
        return
    for target in self.targets:
        arn = parse_arn(target["Arn"])
        if arn.service != "states" or arn.resource_type != "stateMachine":
            continue
        event = target.get("Input") or json.dumps(original_event, default=str)
        backend = stepfunctions_parser_backends[arn.account][arn.region]
        execution = backend.start_execution(target["Arn"], name=str(uuid.uuid4()), execution_input=event)
        log(f"rule {self.name}: started {execution.execution_arn}")


Rule.send_to_targets = _send_to_targets_and_state_machines
