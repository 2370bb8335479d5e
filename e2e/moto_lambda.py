"""S12: a CloudFormation custom resource backed by a Lambda function whose
Python code is inline in the template (Code.ZipFile), run as Lambda and
CloudFormation run it. moto invokes Lambda functions only in Docker (none
here) and sends custom resources Create only.

    moto_lambda.custom_resource_class(resource_json, resources_map)
    python3 e2e/moto_lambda.py MODULE.FUNCTION   (the runner, internal)

What it does, each from its documented contract:
- CloudFormation sends the function a request for Create, Update and
  Delete: RequestType, ResponseURL, StackId, RequestId, ResourceType,
  LogicalResourceId, ResourceProperties (with ServiceToken), and on Update
  and Delete PhysicalResourceId, on Update OldResourceProperties; the
  function answers Status SUCCESS or FAILED, Reason, PhysicalResourceId,
  Data. (CloudFormation user guide, "Custom resources", request and
  response objects.)
- Lambda calls the handler named HANDLER (file.function) with the event
  and a context whose get_remaining_time_in_millis() counts down from the
  function's Timeout (Lambda developer guide, "Lambda context object in
  Python"), with the credentials of the function's execution role.
- Inline Python code may import the cfn-response module, whose
  send(event, context, responseStatus, responseData, physicalResourceId,
  noEcho, reason) answers CloudFormation (CloudFormation user guide,
  "cfn-response module"). Here send() writes the response to a file the
  emulator reads instead of a presigned S3 URL.

The handler runs in a child process (its own environment: the role's
credentials, AWS_ENDPOINT_URL at this emulator), with the role's
credentials from STS AssumeRole, so the emulator sees its calls as the
role's. The function's Timeout bounds the child.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid

CFN_RESPONSE = '''
import json, os
SUCCESS = "SUCCESS"
FAILED = "FAILED"
def send(event, context, responseStatus, responseData, physicalResourceId=None, noEcho=False, reason=None):
    with open(os.environ["GF_CFN_RESPONSE"], "w") as f:
        json.dump({"Status": responseStatus, "Reason": reason or "", "Data": responseData or {},
                   "PhysicalResourceId": physicalResourceId or context.log_stream_name,
                   "StackId": event["StackId"], "RequestId": event["RequestId"],
                   "LogicalResourceId": event["LogicalResourceId"], "NoEcho": noEcho}, f)
'''


def log(msg):
    print(f"moto_lambda: {msg}", file=sys.stderr, flush=True)


def _inline_function(resource_json, resources_map):
    if not (resource_json.get("Type", "").startswith("Custom::") or resource_json.get("Type") == "AWS::CloudFormation::CustomResource"):
        return None
    token = resource_json.get("Properties", {}).get("ServiceToken")
    att = token.get("Fn::GetAtt") if isinstance(token, dict) else None
    if not att:
        return None
    fn = resources_map._template.get("Resources", {}).get(att[0], {})
    props = fn.get("Properties", {})
    code = props.get("Code", {}).get("ZipFile")
    if fn.get("Type") != "AWS::Lambda::Function" or not isinstance(code, str) or not str(props.get("Runtime", "")).startswith("python"):
        return None
    role = props.get("Role", {}).get("Fn::GetAtt", [None])[0]
    return {"code": code, "handler": props.get("Handler", "index.handler"), "timeout": int(props.get("Timeout", 3)),
            "role": role, "function": att[0]}


def custom_resource_class(resource_json, resources_map, port):
    """The resource class for a custom resource backed by an inline Python
    function, or None."""
    fn = _inline_function(resource_json, resources_map)
    if fn is None:
        return None
    return type("InlinePythonCustomResource", (InlinePythonCustomResource,),
                {"fn": fn, "resources_map": resources_map, "port": port,
                 "logical_id": next((k for k, v in resources_map._template["Resources"].items() if v is resource_json), None)})


class CustomResource:
    """What moto's stack keeps of a custom resource the emulator handles
    (here and moto_server.AwsSdkCallResource, S9): its physical id and
    properties; created once its request succeeded; no response data."""

    def __init__(self, physical_id, props):
        self.physical_id, self.props = physical_id, props

    @property
    def physical_resource_id(self):
        return self.physical_id

    def is_created(self):
        return True

    def get_cfn_attribute(self, name):
        from moto.cloudformation.exceptions import ValidationError

        raise ValidationError(message=f"the emulator keeps no response data of custom resources ({name})")


class InlinePythonCustomResource(CustomResource):
    fn = None
    resources_map = None
    port = None
    logical_id = None

    def __init__(self, physical_id, props, stack_id, logical_id, resource_type):
        super().__init__(physical_id, props)
        self.stack_id, self.logical, self.resource_type = stack_id, logical_id, resource_type

    @classmethod
    def _request(cls, kind, props, account_id, region, stack_id, logical_id, resource_type, physical=None, old=None):
        event = {"RequestType": kind, "ResponseURL": "emulator:file", "StackId": stack_id, "RequestId": str(uuid.uuid4()),
                 "ResourceType": resource_type, "LogicalResourceId": logical_id, "ResourceProperties": props}
        if physical is not None:
            event["PhysicalResourceId"] = physical
        if old is not None:
            event["OldResourceProperties"] = old
        response = invoke(cls.fn, cls.resources_map, event, account_id, region, cls.port)
        if response.get("Status") != "SUCCESS":
            from moto.cloudformation.exceptions import ValidationError

            raise ValidationError(message=f"{resource_type} {logical_id}: {kind} failed: {response.get('Reason')}")
        return response.get("PhysicalResourceId") or physical

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        stack_id, logical_id = kwargs.get("StackId", ""), kwargs.get("LogicalId", cls.logical_id)
        rtype = kwargs.get("ResourceType", "Custom::Resource")
        physical = cls._request("Create", props, account_id, region_name, stack_id, logical_id, rtype)
        return cls(physical, props, stack_id, logical_id, rtype)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json["Properties"]
        o = original_resource
        physical = cls._request("Update", props, account_id, region_name, o.stack_id, o.logical, o.resource_type,
                                physical=o.physical_id, old=o.props)
        return cls(physical, props, o.stack_id, o.logical, o.resource_type)

    def delete(self, account_id, region_name):
        type(self)._request("Delete", self.props, account_id, region_name, self.stack_id, self.logical, self.resource_type,
                            physical=self.physical_id)


def _role_credentials(resources_map, role_logical_id, account_id, region, port):
    """Lambda runs the function with its execution role's credentials,
    assumed as lambda.amazonaws.com under the role's trust policy
    (moto_authz_principals P1)."""
    import moto_authz_principals

    role = resources_map[role_logical_id]
    key, secret, token = moto_authz_principals.assume_as_service(
        "lambda.amazonaws.com", role.arn, "lambda-" + role.name[:40], region)
    return {"AccessKeyId": key, "SecretAccessKey": secret, "SessionToken": token}


def invoke(fn, resources_map, event, account_id, region, port):
    creds = _role_credentials(resources_map, fn["role"], account_id, region, port)
    module, function = fn["handler"].rsplit(".", 1)
    with tempfile.TemporaryDirectory(prefix="gf-lambda-") as d:
        with open(os.path.join(d, module + ".py"), "w") as f:
            f.write(fn["code"])
        with open(os.path.join(d, "cfnresponse.py"), "w") as f:
            f.write(CFN_RESPONSE)
        out = os.path.join(d, "response.json")
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": d, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
               "AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
               "AWS_SESSION_TOKEN": creds["SessionToken"], "AWS_REGION": region, "AWS_DEFAULT_REGION": region,
               "AWS_LAMBDA_FUNCTION_NAME": fn["function"], "GF_CFN_RESPONSE": out, "GF_TIMEOUT_MS": str(fn["timeout"] * 1000)}
        log(f"{event['LogicalResourceId']}: {event['RequestType']} -> {fn['function']} ({fn['handler']}, timeout {fn['timeout']} s)")
        try:
            run = subprocess.run([sys.executable, os.path.abspath(__file__), f"{module}.{function}"], input=json.dumps(event),
                                 env=env, cwd=d, capture_output=True, text=True, timeout=fn["timeout"] + 5)
        except subprocess.TimeoutExpired:
            return {"Status": "FAILED", "Reason": f"the function timed out after {fn['timeout']} s without answering"}
        for line in (run.stdout + run.stderr).splitlines()[-20:]:
            log(f"  | {line}")
        if not os.path.exists(out):
            return {"Status": "FAILED", "Reason": f"the function exited ({run.returncode}) without answering CloudFormation"}
        with open(out) as f:
            response = json.load(f)
    log(f"{event['LogicalResourceId']}: {event['RequestType']}: {response['Status']} {response.get('Reason', '')}")
    return response


class _Context:
    def __init__(self, timeout_ms):
        self._deadline = time.monotonic() + timeout_ms / 1000
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.log_stream_name = "emulator/" + self.function_name
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


if __name__ == "__main__":
    import importlib

    module, function = sys.argv[1].rsplit(".", 1)
    handler = getattr(importlib.import_module(module), function)
    handler(json.load(sys.stdin), _Context(int(os.environ["GF_TIMEOUT_MS"])))
