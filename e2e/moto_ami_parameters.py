"""S13: Parameter Store checks an aws:ec2:image value asynchronously.

"If you call PutParameter with aws:ec2:image data type, a successful HTTP
200 response does not guarantee that your parameter was successfully
created or updated. The aws:ec2:image value is validated asynchronously,
and the PutParameter call returns before the validation is complete. If
you submit an invalid AMI value, the PutParameter operation will return
success, but the asynchronous validation will fail and the parameter will
not be created or updated." (Systems Manager API reference, PutParameter,
DataType.) The check needs the writer's ec2:DescribeImages ("you must have
permission for both ssm:PutParameter and ec2:DescribeImages") and an AMI
that is available (Systems Manager user guide, "Native parameter support
in Parameter Store for Amazon Machine Image IDs"). When it fails, Systems
Manager sends a "Parameter Store Change" event whose detail is
{"exception": "Unable to Describe Resource", "dataType": "aws:ec2:image",
"name", "type": "String", "operation": "Create" | "Update"} (user guide,
"Troubleshooting Parameter Store", the event it shows). When it passes,
the parameter (or its new version) appears, with the usual event
(e2e/moto_events.py).

moto stores the value at once. Here PutParameter through the API answers
with the version the parameter will have (synchronous checks, such as
ParameterAlreadyExists, still fail the call), and the write happens when
the check runs. How long after the response is not documented:
--ami-parameter-check
  immediate  the check runs right after the response;
  delayed    the check runs DELAY_SECONDS after it.
The check asks the authorization model (e2e/moto_authz_seam.py) whether
the principal that called PutParameter may ec2:DescribeImages the AMI.

Parameters CloudFormation's AWS::SSM::Parameter writes (S5) and other
writes inside the emulator are left synchronous.

moto's public parameters /aws/service/ami-amazon-linux-latest/* name AMI
ids its EC2 does not know. On AWS they name the current Amazon Linux AMIs,
which exist and are available (Amazon Linux 2023 user guide, "Launching
AL2023 using the SSM parameter"): here EC2 knows each such AMI
(owner amazon, available) when EC2's backend is created.
"""

import json
import sys
import threading

import moto_authz_seam
from moto.ec2.models.amis import AmiBackend
from moto.ssm.exceptions import ParameterAlreadyExists
from moto.ssm.models import ssm_backends
from moto.ssm.responses import SimpleSystemManagerResponse

OPTIONS = {"mode": "immediate"}
DELAY_SECONDS = {"immediate": 0.05, "delayed": 3.0}


def log(msg):
    print(f"moto_ami_parameters: {msg}", file=sys.stderr, flush=True)


_AMAZON = "137112412989"  # owner of the Amazon Linux AMIs


def _publish_amazon_linux_amis(ec2):
    from moto.ec2.models.amis import Ami
    from moto.utilities.utils import load_resource

    try:
        public = load_resource("moto.ssm.models", f"resources/ami-amazon-linux-latest/{ec2.region_name}.json")
    except FileNotFoundError:
        return
    for p in public:
        image_id = p.get("Value", "")
        if image_id.startswith("ami-") and image_id not in ec2.amis:
            ec2.amis[image_id] = Ami(ec2, image_id, name=p["Name"].rsplit("/", 1)[-1], owner_id=_AMAZON, owner_alias="amazon",
                                     public=True, state="available", region_name=ec2.region_name)


_load_amis = AmiBackend._load_amis


def _load_amis_and_amazon_linux(self):
    _load_amis(self)
    _publish_amazon_linux_amis(self)


AmiBackend._load_amis = _load_amis_and_amazon_linux


def _image_available(account_id, region, image_id):
    from moto.ec2.models import ec2_backends


    try:
        images = ec2_backends[account_id][region].describe_images(ami_ids=[image_id])
    except Exception:  # InvalidAMIID.NotFound / Malformed
        return False
    return bool(images) and getattr(images[0], "state", "available") == "available"


def _emit_failure(backend, name, operation):
    from moto.events.models import events_backends

    detail = {"exception": "Unable to Describe Resource", "dataType": "aws:ec2:image", "name": name,
              "type": "String", "operation": operation}
    arn = f"arn:aws:ssm:{backend.region_name}:{backend.account_id}:parameter/{name.lstrip('/')}"
    events_backends[backend.account_id][backend.region_name].put_events([{
        "Source": "aws.ssm", "DetailType": "Parameter Store Change", "Detail": json.dumps(detail),
        "Resources": [arn], "EventBusName": "default",
    }])


def _check_then_write(backend, principal, args):
    name, value = args["name"], args["value"]
    operation = "Update" if backend.get_parameter(name) is not None else "Create"
    # ec2:DescribeImages is a list action: the Service Authorization
    # Reference gives it no resource type, so IAM evaluates it against "*"
    # (a statement naming an image ARN does not grant it).
    allowed = moto_authz_seam.allowed(principal, "ec2:DescribeImages", "*", backend.account_id)
    if not allowed or not _image_available(backend.account_id, backend.region_name, value):
        why = "ec2:DescribeImages denied" if not allowed else "AMI missing or not available"
        log(f"{name} = {value}: check failed ({why}): not {'updated' if operation == 'Update' else 'created'}")
        _emit_failure(backend, name, operation)
        return
    try:
        param = backend.put_parameter(**args)
        log(f"{name} = {value}: check passed: version {param.version}")
    except Exception as e:  # e.g. created meanwhile by another writer with Overwrite false
        log(f"{name} = {value}: {e}")


_respond = SimpleSystemManagerResponse.put_parameter


def _put_parameter_checked_later(self):
    if self._get_param("DataType", "text") != "aws:ec2:image":
        return _respond(self)
    backend = self.ssm_backend
    name = self._get_param("Name")
    overwrite = self._get_param("Overwrite", False)
    existing = backend.get_parameter(name)
    if existing is not None and not overwrite:
        raise ParameterAlreadyExists()
    args = {"name": name, "description": self._get_param("Description"), "value": self._get_param("Value"),
            "parameter_type": self._get_param("Type"), "allowed_pattern": self._get_param("AllowedPattern"),
            "keyid": self._get_param("KeyId"), "overwrite": overwrite, "tags": self._get_param("Tags"),
            "data_type": "aws:ec2:image", "tier": self._get_param("Tier"), "policies": self._get_param("Policies")}
    principal = moto_authz_seam.current_principal()
    timer = threading.Timer(DELAY_SECONDS[OPTIONS["mode"]], _check_then_write, (backend, principal, args))
    timer.daemon = True
    timer.start()
    version = existing.version + 1 if existing is not None else 1
    tier = (existing.tier if existing is not None else None) or self._get_param("Tier") or "Standard"
    from moto.core.responses import ActionResult

    return ActionResult({"Version": version, "Tier": tier})


SimpleSystemManagerResponse.put_parameter = _put_parameter_checked_later


# S14. An AMI is pending before it is available ---------------------------
#
# CreateImage and CopyImage return the new AMI's id at once; the AMI is
# "pending" until its snapshots are complete, then "available" (EC2 user
# guide, "Create an Amazon EBS-backed AMI": "the AMI is in the pending
# state … until it is available"; "Copy an AMI": "the new AMI is ready to
# use once its state is available"; DescribeImages, ImageState). moto makes
# it available at once. How long it stays pending is not documented; here
# it is PENDING_SECONDS of the --ami-parameter-check mode (immediate: a
# moment; delayed: seconds), so that readers that do not wait for
# "available" are caught in both modes.

PENDING_SECONDS = {"immediate": 0.5, "delayed": 3.0}


def _pending_then_available(ami):
    ami.state = "pending"

    def available():
        ami.state = "available"
        log(f"{ami.id}: available")

    timer = threading.Timer(PENDING_SECONDS[OPTIONS["mode"]], available)
    timer.daemon = True
    timer.start()
    return ami


def _created_pending(method):
    def wrapped(self, *args, **kwargs):
        return _pending_then_available(method(self, *args, **kwargs))

    return wrapped


AmiBackend.create_image = _created_pending(AmiBackend.create_image)
