#!/usr/bin/env python3
"""moto's server on 127.0.0.1, made to do what AWS does where moto 5.2.1
does something else and the golden-fleet tests depend on it.

    python3 e2e/moto_server.py --port N [--dynamic-references MODE] [--ami-parameter-check MODE]

Every patch reproduces documented AWS behaviour, or the resource provider's
own code, and cites it; none of them does what the app's design needs
unless AWS does it too. Where AWS leaves a behaviour undocumented the
launcher takes a switch and the tests run under each value (see
--dynamic-references). Used by the e2e tests (go test -tags e2e ./e2e/) and
by scripts/local-deploy.

Sources (S1…S14 in the comments below):
S1 EC2: a launch template image id "resolve:ssm:NAME" is resolved at every
   launch. https://docs.aws.amazon.com/autoscaling/ec2/userguide/using-systems-manager-parameters.html
S2 CloudFormation dynamic references "{{resolve:ssm:NAME[:VERSION]}}" are
   resolved when the resource is created or updated.
   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-ssm.html
   The page recommends a stack update after the parameter changes so that
   "CloudFormation fetches the latest version"; when exactly it resolves a
   reference again is not documented: --dynamic-references
     property-change   only when the text of the property holding it changes;
     resource-update   whenever the resource is updated, for any reason;
     every-update      on every stack update, updating the resource when the
                       resolved value differs.
S3 Resource replacement: "CloudFormation creates the new resource, changes
   references to it, then deletes the old one" in the cleanup phase after
   the update succeeded; a failed update rolls back to the old one.
   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html
   Update requires: Replacement for AWS::EC2::LaunchTemplate
   LaunchTemplateName (createOnlyProperties in the resource schema).
S4 A resource is updated when a Ref or Fn::GetAtt in it resolves to a new
   value (S3, "changes references to it").
S5 The AWS::SSM::Parameter provider: aws-cloudformation/
   aws-cloudformation-resource-providers-ssm, aws-ssm-parameter/src/main/
   java/com/amazonaws/ssm/parameter/UpdateHandler.java (commit 5e900fd,
   2023-10-17; the comparison came in c32608a, 2023-06-27): it adds and
   removes tags as they differ (TagHelper), and calls PutParameter
   (Overwrite true, Translator.updatePutParameterRequest) only when the
   desired model, tags set aside, differs from the previous one. Tags is a
   JSON object (the schema's "type": "object").
S6 Tags of AWS::KMS::Key are [{Key, Value}] like every other resource's
   (AWS::KMS::Key resource reference).
S7 AWS::AutoScaling::AutoScalingGroup: a change of LaunchTemplate,
   capacities or Tags is an update with no interruption; the group keeps
   its name and instances (resource reference, "Update requires").
S8 Stack-level tags: "CloudFormation propagates these tags to resources
   that support tagging", also on a stack update that changes them
   (UpdateStack, Tags). Which types take tags, and whether a tag change is
   an in-place update, is each type's resource schema ("tagging":
   "taggable", "tagUpdatable", "tagProperty"), read from cfn-lint's copy.
   https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateStack.html
S9 CDK's AwsCustomResource: its handler makes the SDK call of the request
   type's property (Create, Update, Delete) and no call when that property
   is absent; the physical id is the call's physicalResourceId, else on
   Update and Delete the previous one; an error whose name matches
   ignoreErrorCodesMatching is ignored. aws/aws-cdk packages/@aws-cdk/
   custom-resource-handlers/lib/custom-resources/aws-custom-resource-
   handler/aws-sdk-v3-handler.ts; the AwsCustomResource API reference
   ("onUpdate … Default: no call", "onDelete … Default: no call").
S10 A stack update that fails rolls back: CloudFormation returns every
   resource to its previous configuration (UPDATE_ROLLBACK_COMPLETE);
   resources it created for replacement are deleted, the old ones kept.
   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html#troubleshooting-errors-update-rollback-failed
S11 EC2 CopyImage of an AMI another account shared (launch permission on
   the AMI, create-volume permission on its snapshots): the copy belongs
   to the caller. Patched in e2e/moto_promotion.py, which cites its pages.
   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/how-ami-copy-works.html
S12 A custom resource backed by a Lambda function with inline Python code
   (Code.ZipFile) gets CloudFormation's Create, Update and Delete
   requests, and its handler runs with the function's role: the custom
   resource request and response objects (CloudFormation user guide,
   "Custom resources"), the cfn-response module (ibid.), Lambda's Python
   handler and context object (Lambda developer guide). moto runs
   functions only in Docker and sends Create only. In e2e/moto_lambda.py,
   which cites them.
S13 PutParameter of an aws:ec2:image value answers 200 before Parameter
   Store checks the AMI (as the writer: ec2:DescribeImages, an available
   AMI); the parameter or its new version appears only when the check
   passes, else a "Parameter Store Change" event with the exception
   "Unable to Describe Resource" is sent. SSM API reference, PutParameter,
   DataType; Systems Manager user guide, native parameter support for AMI
   IDs, and "Troubleshooting Parameter Store". When the check runs is not
   documented: --ami-parameter-check
     immediate   right after the response;
     delayed     seconds after it (moto_ami_parameters.DELAY_SECONDS).
   In e2e/moto_ami_parameters.py.
S14 CreateImage and CopyImage answer with an AMI that is pending, and
   becomes available later (EC2 user guide, creating and copying AMIs;
   DescribeImages ImageState); how much later is not documented: a moment
   or seconds, following --ami-parameter-check. In
   e2e/moto_ami_parameters.py; CopyImage through e2e/moto_promotion.py.
S15 Amazon Inspector's scan of an AMI as EC2 reports it: DescribeImages'
   ScanResults and GetImageFindings. Patched in e2e/moto_inspector.py,
   which cites its pages; the scans themselves come from the test (the
   GOLDEN_FLEET_INSPECTOR_SCANS hook there), standing in for Inspector.

Test hook (not AWS behaviour, a fault injector): when the file named by
GOLDEN_FLEET_EMULATOR_FAIL exists and holds a resource type, the next create
or update of a resource of that type fails, once, and the file is removed.
The e2e tests use it for "a deploy that fails part-way".

Left as moto has them (not needed, or not verifiable without AWS):
- Launching from a launch template version created through the EC2 API
  fails in moto (UserData stored as str); the group launches version 1.
- No CloudFormation delete for RouteTable, Route, NatGateway, EIP, ...:
  deleting the network stack fails at the VPC (scripts/local-deploy says so).
- Resource types moto does not know (AWS::ImageBuilder::*, SNS
  TopicPolicy) are skipped; `fleetctl resources` lists them.
- aws:cloudformation:* system tags are not propagated.
"""

import argparse
import copy
import json
import os
import re
import sys

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.ec2.models import instances as ec2_instances
from moto.ec2.models import launch_templates as ec2_launch_templates
from moto.ssm.models import ssm_backends
import moto_authz  # the authorization model (e2e/moto_authz.py), installed in main()
import moto_authz_principals  # principals of the calls AWS services make (e2e/moto_authz_principals.py)
import moto_refresh  # noqa: F401  instance refresh, parameter change events, Step Functions targets (e2e/moto_refresh.py)
import moto_ami_parameters  # S13 (e2e/moto_ami_parameters.py)
import moto_lambda  # S12 (e2e/moto_lambda.py)

OPTIONS = {"dynamic_references": "property-change", "port": None}


def log(msg):
    print(f"moto_server: {msg}", file=sys.stderr, flush=True)


def ssm_value(account_id, region, ref):
    """Value of an SSM parameter given as NAME, NAME:VERSION or NAME:LABEL."""
    backend = ssm_backends[account_id][region]
    param = backend.get_parameter(ref)
    if param is None:
        raise ValueError(f"SSM parameter {ref} not found")
    return param.value


# Resource schemas (S8) ------------------------------------------------------

_schemas = {}


def schema(resource_type):
    """The CloudFormation resource schema cfn-lint ships, or {}."""
    if resource_type not in _schemas:
        try:
            import cfnlint
            from cfnlint.data.schemas.providers import us_east_1

            path = os.path.join(os.path.dirname(cfnlint.__file__), "data", "schemas", "resources",
                                us_east_1.types[resource_type] + ".json")
            with open(path) as f:
                _schemas[resource_type] = json.load(f)
        except (KeyError, OSError, ImportError):
            _schemas[resource_type] = {}
    return _schemas[resource_type]


def tagging(resource_type):
    """(taggable, tag updatable in place, "array"|"object") from the schema."""
    s = schema(resource_type)
    t = s.get("tagging", {})
    prop = s.get("properties", {}).get("Tags", {})
    taggable = bool(t.get("taggable")) and t.get("tagProperty") == "/properties/Tags" and prop.get("type") in ("array", "object")
    return taggable, bool(t.get("tagUpdatable", taggable)), prop.get("type")


def tags_as_dict(tags):
    if isinstance(tags, dict):
        return dict(tags)
    out = {}
    for t in tags or []:
        if isinstance(t, dict):
            k = t.get("Key", t.get("TagKey"))
            out[k] = t.get("Value", t.get("TagValue"))
    return out


def without_tags(props):
    return {k: v for k, v in (props or {}).items() if k != "Tags"}


# Fault injection (test hook) -----------------------------------------------

_failing = {"type": None}


def maybe_fail(resource_type, what):
    """Fails every create or update of the armed type until the stack
    operation in progress ends (moto retries a failed resource)."""
    path = os.environ.get("GOLDEN_FLEET_EMULATOR_FAIL")
    if _failing["type"] is None and path and os.path.exists(path):
        with open(path) as f:
            wanted = f.read().strip()
        if wanted == resource_type:
            os.remove(path)
            _failing["type"] = wanted
    if _failing["type"] == resource_type:
        log(f"injected failure: {what} of {resource_type}")
        raise ValidationError(message=f"injected failure (e2e): {what} of {resource_type}")


# S1. EC2 resolve:ssm image ids ---------------------------------------------

_instance_init = ec2_instances.Instance.__init__


def _instance_init_resolving(self, ec2_backend, image_id, *args, **kwargs):
    _instance_init(self, ec2_backend, image_id, *args, **kwargs)
    if isinstance(self.image_id, str) and self.image_id.startswith("resolve:ssm:"):
        ref = self.image_id[len("resolve:ssm:"):]
        try:
            self.image_id = ssm_value(ec2_backend.account_id, ec2_backend.region_name, ref)
        except Exception as e:  # EC2 fails the launch when it cannot resolve
            from moto.ec2.exceptions import InvalidAMIIdError

            raise InvalidAMIIdError(f"resolve:ssm:{ref} ({e})")
        log(f"launch {self.id}: resolve:ssm:{ref} -> {self.image_id}")


ec2_instances.Instance.__init__ = _instance_init_resolving


# S2 + S8. Properties as CloudFormation hands them to the provider ----------
#
# Dynamic references resolved; stack-level tags merged into Tags for every
# type whose schema says it is taggable (the resource's own tags win).

DYNAMIC_SSM = re.compile(r"\{\{resolve:ssm:([a-zA-Z0-9_.\-/]+(?::[a-zA-Z0-9_.\-]+)?)\}\}")


def _resolve_dynamic(value, account_id, region):
    if isinstance(value, str):
        def repl(m):
            try:
                return ssm_value(account_id, region, m.group(1))
            except Exception as e:
                raise ValidationError(message=f"Unable to resolve dynamic reference {m.group(0)}: {e}")

        return DYNAMIC_SSM.sub(repl, value)
    if isinstance(value, dict):
        return {k: _resolve_dynamic(v, account_id, region) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_dynamic(v, account_id, region) for v in value]
    return value


def has_dynamic_reference(node):
    return bool(DYNAMIC_SSM.search(json.dumps(node)))


def stack_tags(resources_map):
    return {k: v for k, v in (getattr(resources_map, "tags", None) or {}).items() if not k.startswith("aws:")}


def _merge_stack_tags(resource_type, props, tags):
    taggable, _, shape = tagging(resource_type)
    if not taggable or not tags:
        return props
    own = props.get("Tags")
    merged = dict(tags)
    merged.update(tags_as_dict(own))
    if shape == "object":
        props["Tags"] = merged
        return props
    if resource_type == "AWS::AutoScaling::AutoScalingGroup":
        have = {t["Key"] for t in own or []}
        props["Tags"] = list(own or []) + [{"Key": k, "Value": v, "PropagateAtLaunch": "true"} for k, v in tags.items() if k not in have]
    else:
        props["Tags"] = [{"Key": k, "Value": v} for k, v in merged.items()]
    return props


_parse_resource = parsing.parse_resource


def _parse_resource_as_cfn_hands_it(resource_json, resources_map):
    result = _parse_resource(resource_json, resources_map)
    if not result:
        return result
    cls, cleaned, rtype = result
    props = cleaned.get("Properties") or {}
    props = _resolve_dynamic(props, resources_map._account_id, resources_map._region_name)
    cleaned["Properties"] = _merge_stack_tags(rtype, props, stack_tags(resources_map))
    if is_aws_custom_resource(resource_json):
        cls = AwsSdkCallResource
    else:
        cls = moto_lambda.custom_resource_class(resource_json, resources_map, OPTIONS["port"]) or cls  # S12
    return cls, cleaned, rtype


parsing.parse_resource = _parse_resource_as_cfn_hands_it


def applied(resources_map):
    """logical id -> properties last handed to the provider (CloudFormation's
    "previous resource state")."""
    if not hasattr(resources_map, "_gf_applied"):
        resources_map._gf_applied = {}
    return resources_map._gf_applied


def handed_properties(logical_id, resource_json, resources_map):
    try:
        result = parsing.parse_resource(copy.deepcopy(resource_json), resources_map)
    except Exception:
        return None
    return result[1].get("Properties") if result else None


_parse_and_create = parsing.parse_and_create_resource


def _parse_and_create_recording(logical_id, resource_json, resources_map, account_id, region_name):
    maybe_fail(resource_json.get("Type"), "create")
    resource = _parse_and_create(logical_id, resource_json, resources_map, account_id, region_name)
    if resource is not None:
        applied(resources_map)[logical_id] = handed_properties(logical_id, resource_json, resources_map)
    return resource


parsing.parse_and_create_resource = _parse_and_create_recording


# S8. Tag changes are updates in place ---------------------------------------

def _backend(module, name, account_id, region):
    import importlib

    return getattr(importlib.import_module(module), name)[account_id][region]


def _taggers(resource, account_id, region):
    """Per type: (tag(dict of added tags), untag(list of removed keys)),
    each the service's own tagging call on the emulator's backend."""
    def ec2():
        return _backend("moto.ec2.models", "ec2_backends", account_id, region)

    def asg():
        return _backend("moto.autoscaling.models", "autoscaling_backends", account_id, region)

    def kms():
        return _backend("moto.kms.models", "kms_backends", account_id, region)

    def arn_tagger(module, name, arn):
        return (lambda add: _backend(module, name, account_id, region).tag_resource(arn(), add),
                lambda keys: _backend(module, name, account_id, region).untag_resource(arn(), keys))

    group = {"ResourceId": getattr(resource, "name", None), "ResourceType": "auto-scaling-group"}
    return {
        "AWS::KMS::Key": (lambda add: kms().tag_resource(resource.id, [{"TagKey": k, "TagValue": v} for k, v in add.items()]),
                          lambda keys: kms().untag_resource(resource.id, keys)),
        "AWS::SNS::Topic": arn_tagger("moto.sns.models", "sns_backends", lambda: resource.arn),
        "AWS::Logs::LogGroup": arn_tagger("moto.logs.models", "logs_backends", lambda: resource.arn),
        "AWS::Lambda::Function": arn_tagger("moto.awslambda.models", "lambda_backends", lambda: resource.function_arn),
        "AWS::IAM::Role": (lambda add: _backend("moto.iam.models", "iam_backends", account_id, "global").tag_role(
                               resource.name, [{"Key": k, "Value": v} for k, v in add.items()]),
                           lambda keys: _backend("moto.iam.models", "iam_backends", account_id, "global").untag_role(resource.name, keys)),
        "AWS::SSM::Parameter": (lambda add: ssm_backends[account_id][region].add_tags_to_resource("Parameter", resource.name, add),
                                lambda keys: ssm_backends[account_id][region].remove_tags_from_resource("Parameter", resource.name, keys)),
        "AWS::AutoScaling::AutoScalingGroup": (
            lambda add: asg().create_or_update_tags([dict(group, Key=k, Value=v, PropagateAtLaunch="true") for k, v in add.items()]),
            lambda keys: asg().delete_tags([dict(group, Key=k) for k in keys])),
        "AWS::EC2::*": (lambda add: ec2().create_tags([resource.physical_resource_id], add),
                        lambda keys: ec2().delete_tags([resource.physical_resource_id], {k: None for k in keys})),
    }


def _sync_tags(resource, resource_type, old, new, account_id, region):
    """Applies a tag change to the resource as the service's tagging API
    would. Returns False where the emulator has no tagging call for the type
    (the resource is still kept: on AWS a tag change never replaces it)."""
    add = {k: v for k, v in new.items() if old.get(k) != v}
    remove = [k for k in old if k not in new]
    if not add and not remove:
        return True
    taggers = _taggers(resource, account_id, region)
    key = resource_type
    if key not in taggers and resource_type.startswith("AWS::EC2::") and hasattr(resource, "physical_resource_id"):
        key = "AWS::EC2::*"
    if key not in taggers:
        return False
    tag, untag = taggers[key]
    if add:
        tag(add)
    if remove:
        untag(remove)
    return True


_parse_and_update = parsing.parse_and_update_resource


def _keep_unchanged_references(logical_id, resource_json, resources_map):
    """property-change: a property whose text did not change keeps the value
    its dynamic references resolved to before (S2)."""
    old = getattr(resources_map, "_gf_old_json", {}).get(logical_id, {}).get("Properties", {})
    previous = applied(resources_map).get(logical_id) or {}
    props = resource_json.get("Properties", {})
    kept = dict(props)
    for k, v in props.items():
        if has_dynamic_reference(v) and old.get(k) == v and k in previous:
            kept[k] = previous[k]
    return {**resource_json, "Properties": kept}


def _parse_and_update_as_cfn(logical_id, resource_json, resources_map, account_id, region_name):
    rtype = resource_json.get("Type")
    maybe_fail(rtype, "update")
    if OPTIONS["dynamic_references"] == "property-change":
        resource_json = _keep_unchanged_references(logical_id, resource_json, resources_map)
    previous = applied(resources_map).get(logical_id)
    desired = handed_properties(logical_id, resource_json, resources_map)
    original = resources_map._parsed_resources.get(logical_id)
    _, tag_updatable, _ = tagging(rtype)
    if previous is not None and desired is not None and original is not None and tag_updatable \
            and without_tags(previous) == without_tags(desired) and rtype != "AWS::SSM::Parameter":
        # Only the tags differ: an update in place, with no interruption.
        if not _sync_tags(original, rtype, tags_as_dict(previous.get("Tags")), tags_as_dict(desired.get("Tags")), account_id, region_name):
            log(f"update {logical_id} ({rtype}): tags only, kept in place (the emulator does not store tags of this type)")
        else:
            log(f"update {logical_id} ({rtype}): tags only, in place")
        applied(resources_map)[logical_id] = desired
        return original
    resource = _parse_and_update(logical_id, resource_json, resources_map, account_id, region_name)
    if resource is not None:
        applied(resources_map)[logical_id] = desired
    return resource


parsing.parse_and_update_resource = _parse_and_update_as_cfn


# S3. Launch template replacement on a new name -----------------------------

LaunchTemplate = ec2_launch_templates.LaunchTemplate
_lt_update = LaunchTemplate.update_from_cloudformation_json.__func__

# Templates replaced during the update in progress, deleted when it
# succeeds (cleanup), kept when it rolls back.
_replaced_launch_templates = []


@classmethod
def _lt_update_replacing(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
    new_name = cloudformation_json.get("Properties", {}).get("LaunchTemplateName")
    if new_name and new_name != original_resource.name:
        from moto.ec2.models import ec2_backends

        backend = ec2_backends[account_id][region_name]
        existing = backend.launch_template_name_to_ids.get(new_name)
        if existing:  # a rollback to the template the failed update replaced
            created = backend.get_launch_template(existing)
        else:
            created = cls.create_from_cloudformation_json(new_name, cloudformation_json, account_id, region_name)
        _replaced_launch_templates.append((account_id, region_name, original_resource.name))
        log(f"launch template {original_resource.name} replaced by {new_name}")
        return created
    return _lt_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)


LaunchTemplate.update_from_cloudformation_json = _lt_update_replacing


def _cleanup_replaced(keep_names):
    from moto.ec2.models import ec2_backends

    while _replaced_launch_templates:
        account_id, region, name = _replaced_launch_templates.pop()
        if name in keep_names:
            continue
        try:
            ec2_backends[account_id][region].delete_launch_template(name, None)
            log(f"cleanup: launch template {name} deleted")
        except Exception as e:
            log(f"cleanup: launch template {name}: {e}")


# S4. Update the dependants of updated resources, after them -----------------

def _references(node):
    out = set()
    if isinstance(node, dict):
        if "Ref" in node and isinstance(node["Ref"], str):
            out.add(node["Ref"])
        if "Fn::GetAtt" in node:
            att = node["Fn::GetAtt"]
            out.add(att[0] if isinstance(att, list) else str(att).split(".")[0])
        for v in node.values():
            out |= _references(v)
    elif isinstance(node, list):
        for v in node:
            out |= _references(v)
    return out


_build_resource_diff = parsing.ResourceMap.build_resource_diff


def _build_resource_diff_ordered(self, other_template, parameters=None):
    """Updates in dependency order: moto updates in list order."""
    actions = _build_resource_diff(self, other_template, parameters)
    new = other_template["Resources"]
    modify = set(actions["Modify"]) | set(getattr(self, "_gf_extra_modify", set()))
    ordered, seen = [], set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        for dep in sorted(_references(new.get(name, {}).get("Properties", {})) & modify):
            visit(dep)
        ordered.append(name)

    for name in sorted(modify, key=lambda n: list(new).index(n) if n in new else 0):
        visit(name)
    actions["Modify"] = ordered
    return actions


parsing.ResourceMap.build_resource_diff = _build_resource_diff_ordered

_update = parsing.ResourceMap.update


def _update_as_cfn(self, template, parameters=None):
    """One stack update: the resources whose text changed, those whose
    handed properties changed (stack tags, S8; dynamic references under
    every-update, S2), then those whose references resolve anew (S4)."""
    new = template["Resources"]
    old = dict(self._resource_json_map)
    textual = _build_resource_diff(self, template, parameters)
    touched = set(textual["Add"]) | set(textual["Modify"]) | set(textual["Remove"])
    extra = set()
    for n in new:
        if n in touched or n not in old or n not in self._parsed_resources:
            continue
        props = new[n].get("Properties", {})
        before = applied(self).get(n)
        if before is None:
            continue
        if OPTIONS["dynamic_references"] != "every-update" and has_dynamic_reference(props):
            # A changed resolution alone does not update the resource:
            # compare the rest.
            now = handed_properties(n, {**new[n], "Properties": {k: v for k, v in props.items() if not has_dynamic_reference(v)}}, self)
            if now is not None and {k: v for k, v in before.items() if k in now} != now:
                extra.add(n)
            continue
        now = handed_properties(n, new[n], self)
        if now is not None and now != before:
            extra.add(n)
    for n in sorted(extra):
        log(f"update {n}: what CloudFormation hands the provider changed (stack tags or a dynamic reference), not its text")
    self._gf_extra_modify = extra
    self._gf_old_json = old
    candidates = [n for n in new if n in self._resource_json_map and n not in touched and n not in extra
                  and _references(new[n].get("Properties", {}))]
    before = {n: _resolved(self, new[n]) for n in candidates}
    try:
        _update(self, template, parameters)
    finally:
        self._gf_extra_modify = set()
    changed = True
    while changed:
        changed = False
        for n in candidates:
            if before[n] is None:
                continue
            now = _resolved(self, new[n])
            if now is None or now == before[n]:
                continue
            before[n] = now
            changed = True
            log(f"update {n}: a value it references changed")
            self._parsed_resources[n] = parsing.parse_and_update_resource(
                n, new[n], self, account_id=self._account_id, region_name=self._region_name)
    return old


def _resolved(self, body):
    try:
        return parsing.clean_json(body.get("Properties", {}), self)
    except Exception:
        return None


parsing.ResourceMap.update = _update_as_cfn


# S10. A failed update rolls back ---------------------------------------------

from moto.cloudformation.models import Stack as FakeStack  # noqa: E402

_stack_update = FakeStack.update


def _stack_update_rolling_back(self, template, role_arn=None, parameters=None, tags=None):
    old_template, old_params = self.template, copy.deepcopy(self.resource_map.input_parameters)
    old_tags = dict(self.resource_map.tags)
    if tags is not None:  # S8: the new stack tags reach the resources in this update
        self.resource_map.tags = {**{k: v for k, v in old_tags.items() if k.startswith("aws:")}, **tags}
    try:
        _stack_update(self, template, role_arn, parameters, tags)
    except Exception as e:
        _failing["type"] = None
        log(f"stack {self.name}: update failed ({e}); rolling back")
        self._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=str(e))
        self.resource_map.tags = old_tags
        self.template = old_template
        self._parse_template()
        names_now = {r.name for r in self.resource_map._parsed_resources.values() if isinstance(r, LaunchTemplate)}
        self.resource_map.update(self.template_dict, old_params)
        self.output_map = self._create_output_map()
        # Keep the templates the stack uses again; delete the replacements.
        kept = {r.name for r in self.resource_map._parsed_resources.values() if isinstance(r, LaunchTemplate)}
        _cleanup_rollback(names_now - kept, self.account_id, self.region_name)
        _replaced_launch_templates.clear()
        self._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
        self.status = "UPDATE_ROLLBACK_COMPLETE"
        return
    _cleanup_replaced(keep_names={r.name for r in self.resource_map._parsed_resources.values() if isinstance(r, LaunchTemplate)})


def _cleanup_rollback(names, account_id, region):
    """The replacements the failed update created are deleted (S10)."""
    from moto.ec2.models import ec2_backends

    for name in names:
        try:
            ec2_backends[account_id][region].delete_launch_template(name, None)
            log(f"rollback: launch template {name} deleted")
        except Exception as e:
            log(f"rollback: launch template {name}: {e}")


FakeStack.update = _stack_update_rolling_back


# S5. AWS::SSM::Parameter as its provider does it ------------------------------

from moto.ssm.models import Parameter as SsmParameter  # noqa: E402

_ssm_create = SsmParameter.create_from_cloudformation_json.__func__


@classmethod
def _ssm_create_tag_map(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    props = cloudformation_json.get("Properties", {})
    if isinstance(props.get("Tags"), dict):
        props["Tags"] = [{"Key": k, "Value": v} for k, v in props["Tags"].items()]
    return _ssm_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)


SsmParameter.create_from_cloudformation_json = _ssm_create_tag_map


@classmethod
def _ssm_update_as_provider(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
    """UpdateHandler: tags added and removed as they differ; PutParameter
    (Overwrite) only when the model, tags set aside, differs from the
    previous one. moto deletes the parameter (and its history) and creates
    it again instead."""
    props = cloudformation_json.get("Properties", {})
    name = props.get("Name") or original_resource.name
    if name != original_resource.name:  # Name is create-only: a replacement
        created = _ssm_create_tag_map.__func__(cls, new_resource_name, cloudformation_json, account_id, region_name)
        ssm_backends[account_id][region_name].delete_parameter(original_resource.name)
        return created
    backend = ssm_backends[account_id][region_name]
    previous = getattr(original_resource, "_gf_model", None)
    desired = without_tags(props)
    new_tags = tags_as_dict(props.get("Tags"))
    old_tags = backend.list_tags_for_resource("Parameter", name)
    add = {k: v for k, v in new_tags.items() if old_tags.get(k) != v}
    remove = [k for k in old_tags if k not in new_tags]
    if add:
        backend.add_tags_to_resource("Parameter", name, add)
    if remove:
        backend.remove_tags_from_resource("Parameter", name, remove)
    if previous == desired:
        log(f"SSM parameter {name}: model unchanged but for tags: no PutParameter (S5)")
        return original_resource
    param = backend.put_parameter(
        name=name, description=props.get("Description"), value=props.get("Value"),
        parameter_type=props.get("Type"), allowed_pattern=props.get("AllowedPattern"), keyid=None,
        overwrite=True, tags=None, data_type=props.get("DataType", "text"), tier=props.get("Tier"),
        policies=props.get("Policies"),
    )
    param._gf_model = desired
    log(f"SSM parameter {name}: model changed: PutParameter, version {param.version} (S5)")
    return param


SsmParameter.update_from_cloudformation_json = _ssm_update_as_provider

def _remember_ssm_model(create):
    @classmethod
    def wrapped(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        param = create.__func__(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        param._gf_model = without_tags(cloudformation_json.get("Properties", {}))
        return param

    return wrapped


SsmParameter.create_from_cloudformation_json = _remember_ssm_model(SsmParameter.create_from_cloudformation_json)


# S6. AWS::KMS::Key Tags -------------------------------------------------------

from moto.kms.models import Key as KmsKey  # noqa: E402

_kms_create = KmsKey.create_from_cloudformation_json.__func__


@classmethod
def _kms_create_tags(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    props = cloudformation_json.get("Properties", {})
    if isinstance(props.get("Tags"), list):
        props["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} if "Key" in t else t for t in props["Tags"]]
    return _kms_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)


KmsKey.create_from_cloudformation_json = _kms_create_tags


# S7. Auto Scaling group updates in place ------------------------------------

from moto.autoscaling.models import FakeAutoScalingGroup  # noqa: E402

_asg_update = FakeAutoScalingGroup.update_from_cloudformation_json.__func__


def _int(v):
    return int(v) if v is not None else None


@classmethod
def _asg_update_in_place(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
    props = cloudformation_json["Properties"]
    name = props.get("AutoScalingGroupName")
    if name and name != original_resource.name:  # a create-only property: replacement
        return _asg_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
    original_resource.update(
        availability_zones=props.get("AvailabilityZones", []),
        desired_capacity=_int(props.get("DesiredCapacity")),
        max_size=_int(props.get("MaxSize")),
        min_size=_int(props.get("MinSize")),
        launch_config_name=props.get("LaunchConfigurationName"),
        launch_template=props.get("LaunchTemplate", {}),
        vpc_zone_identifier=",".join(props.get("VPCZoneIdentifier", [])) or None,
        health_check_period=_int(props.get("HealthCheckGracePeriod")),
        health_check_type=props.get("HealthCheckType"),
        mixed_instances_policy=props.get("MixedInstancesPolicy") or None,
    )
    old_tags = {t["key"] if "key" in t else t.get("Key"): t.get("value", t.get("Value")) for t in original_resource.tags or []}
    _sync_tags(original_resource, "AWS::AutoScaling::AutoScalingGroup", old_tags, tags_as_dict(props.get("Tags")), account_id, region_name)
    log(f"group {original_resource.name} updated in place")
    return original_resource


FakeAutoScalingGroup.update_from_cloudformation_json = _asg_update_in_place

# S11. Cross-account CopyImage of a shared AMI -------------------------------

import moto_promotion  # noqa: E402,F401  (e2e/moto_promotion.py)

# S14 for copies: CopyImage as moto_promotion has it, pending first.
moto_promotion.ec2_amis.AmiBackend.copy_image = moto_ami_parameters._created_pending(moto_promotion.ec2_amis.AmiBackend.copy_image)

# S15. Inspector's scan results of an AMI in EC2 ------------------------------

import moto_inspector  # noqa: E402,F401  (e2e/moto_inspector.py)


# S9. CDK's AwsCustomResource --------------------------------------------------
#
# moto invokes a custom resource's Lambda only in Docker, and only for
# Create. The handler of AwsCustomResource is documented and small: this
# makes its SDK call against this emulator, for Create, Update and Delete.

# The singleton function of AwsCustomResource (uuid
# 679f53fa-c002-430c-b0da-5b7982bd2287 in aws-cdk-lib).
AWS_CUSTOM_RESOURCE_FUNCTION = "AWS679f53fac002430cb0da5b7982bd2287"


def is_aws_custom_resource(resource_json):
    token = resource_json.get("Properties", {}).get("ServiceToken")
    att = token.get("Fn::GetAtt") if isinstance(token, dict) else None
    return bool(att) and str(att[0]).startswith(AWS_CUSTOM_RESOURCE_FUNCTION)


def _snake(name):
    name = name[0].lower() + name[1:]
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def _decode_special(value, physical_id):
    if value == "PHYSICAL:RESOURCEID:":
        return physical_id
    if isinstance(value, list):
        return [_decode_special(v, physical_id) for v in value]
    if isinstance(value, dict):
        return {k: _decode_special(v, physical_id) for k, v in value.items()}
    return value


def sdk_call(call, physical_id, account_id, region, function_arn):
    """Makes the call through boto3 against this server (on 127.0.0.1)."""
    import boto3
    from botocore.exceptions import ClientError

    service = call["service"].lower().replace("@aws-sdk/client-", "")
    # The handler runs as the function's execution role, which Lambda
    # assumes (moto_authz_principals.lambda_credentials).
    key, secret, token = moto_authz_principals.lambda_credentials(function_arn, account_id, region)
    client = boto3.client(service, region_name=call.get("region") or region,
                          endpoint_url=f"http://127.0.0.1:{OPTIONS['port']}",
                          aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token)
    method = getattr(client, _snake(call["action"]))
    try:
        response = method(**_decode_special(call.get("parameters") or {}, physical_id))
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code", "")
        ignore = call.get("ignoreErrorCodesMatching")
        if ignore and re.search(ignore, code):
            log(f"custom resource: {call['service']}.{call['action']}: {code} ignored (ignoreErrorCodesMatching)")
            return {}
        raise ValidationError(message=f"custom resource: {call['service']}.{call['action']}: {e}")
    log(f"custom resource: {call['service']}.{call['action']} done")
    return response


def _call_of(props, kind):
    raw = props.get(kind)
    return json.loads(raw) if isinstance(raw, str) and raw else None


class AwsSdkCallResource(moto_lambda.CustomResource):
    """What AwsCustomResource's handler does, per request type (S9)."""

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        create, update, delete = (_call_of(props, k) for k in ("Create", "Update", "Delete"))
        physical = next((c["physicalResourceId"]["id"] for c in (create, update, delete)
                         if c and c.get("physicalResourceId", {}).get("id")), kwargs.get("LogicalId"))
        if create:
            sdk_call(create, physical, account_id, region_name, props.get("ServiceToken"))
        return cls(physical, props)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json["Properties"]
        call = _call_of(props, "Update")
        if call is None:
            log(f"custom resource {original_resource.physical_id}: Update with no Update call: nothing done (S9)")
            original_resource.props = props
            return original_resource
        physical = call.get("physicalResourceId", {}).get("id") or original_resource.physical_id
        sdk_call(call, physical, account_id, region_name, props.get("ServiceToken"))
        return cls(physical, props)

    def delete(self, account_id, region_name):
        call = _call_of(self.props, "Delete")
        if call is None:
            log(f"custom resource {self.physical_id}: Delete with no Delete call: nothing done (S9)")
            return
        sdk_call(call, call.get("physicalResourceId", {}).get("id") or self.physical_id, account_id, region_name,
                 self.props.get("ServiceToken"))


# Test-only control endpoint ------------------------------------------------
# The e2e suite runs its checks under each plausible value of the
# undocumented behaviours (S2, S13) in one process, against one emulator: it
# switches the value between runs through this endpoint on moto's own port
# (moto's /moto-api/ namespace, which no AWS service uses), instead of
# starting moto once per value.
#   GET  /moto-api/golden-fleet/behaviours  -> {"dynamic_references": "...", "ami_parameter_check": "..."}
#   POST /moto-api/golden-fleet/behaviours  {"dynamic_references": "...", "ami_parameter_check": "..."}
# It changes no AWS behaviour: it picks which of the plausible ones the
# next requests get, as --dynamic-references does at start.

DYNAMIC_REFERENCE_CHOICES = ("property-change", "resource-update", "every-update")


AMI_PARAMETER_CHECK_CHOICES = ("immediate", "delayed")


def _behaviours_endpoint(request, full_url, headers):
    res_headers = {"Content-Type": "application/json"}

    def now():
        return json.dumps({"dynamic_references": OPTIONS["dynamic_references"],
                           "ami_parameter_check": moto_ami_parameters.OPTIONS["mode"]}).encode()

    if request.method == "POST":
        size = int(headers.get("Content-Length") or 0)
        try:
            body = json.loads(request.environ["wsgi.input"].read(size).decode("utf-8") or "{}")
        except ValueError as e:
            return 400, res_headers, json.dumps({"error": f"not JSON: {e}"}).encode()
        unknown = sorted(set(body) - {"dynamic_references", "ami_parameter_check"})
        refs = body.get("dynamic_references", OPTIONS["dynamic_references"])
        check = body.get("ami_parameter_check", moto_ami_parameters.OPTIONS["mode"])
        if unknown or refs not in DYNAMIC_REFERENCE_CHOICES or check not in AMI_PARAMETER_CHECK_CHOICES:
            return 400, res_headers, json.dumps({"error": f"want {{\"dynamic_references\": one of {', '.join(DYNAMIC_REFERENCE_CHOICES)}, \"ami_parameter_check\": one of {', '.join(AMI_PARAMETER_CHECK_CHOICES)}}}, got {body}"}).encode()
        if refs != OPTIONS["dynamic_references"]:
            log(f"dynamic references: {refs} (switched by the control endpoint)")
        if check != moto_ami_parameters.OPTIONS["mode"]:
            log(f"aws:ec2:image parameters checked: {check} (switched by the control endpoint)")
        OPTIONS["dynamic_references"] = refs
        moto_ami_parameters.OPTIONS["mode"] = check
    return 200, res_headers, now()


# GET /moto-api/golden-fleet/busy -> {"busy": [thread names]}: the
# asynchronous work the emulator is doing (instance refreshes, Step
# Functions executions, anything else that runs on a thread of its own);
# [] when it is idle. Everything asynchronous here starts its thread
# before the request that causes it returns, so a test that waits for a
# consequence of its request can wait until the emulator is idle and
# then decide, instead of deciding at a wall-clock deadline that a busy
# machine can miss (issue 18).


def _busy():
    import threading

    current = threading.current_thread()
    return sorted(t.name for t in threading.enumerate()
                  if t is not current and t is not threading.main_thread() and t.is_alive()
                  and not t.name.endswith("(process_request_thread)"))


def _busy_endpoint(request, full_url, headers):
    return 200, {"Content-Type": "application/json"}, json.dumps({"busy": _busy()}).encode()


def _install_control_endpoint():
    from moto.moto_api._internal import urls as moto_api_urls

    moto_api_urls.url_paths["{0}/moto-api/golden-fleet/behaviours$"] = _behaviours_endpoint
    moto_api_urls.url_paths["{0}/moto-api/golden-fleet/busy$"] = _busy_endpoint


_install_control_endpoint()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dynamic-references", choices=DYNAMIC_REFERENCE_CHOICES,
                   default="property-change",
                   help="when CloudFormation resolves a {{resolve:ssm:…}} reference again (undocumented, S2)")
    p.add_argument("--ami-parameter-check", choices=AMI_PARAMETER_CHECK_CHOICES, default="immediate",
                   help="when Parameter Store checks an aws:ec2:image value after PutParameter answered (undocumented, S13)")
    args = p.parse_args()
    OPTIONS["port"] = args.port
    moto_ami_parameters.OPTIONS["mode"] = args.ami_parameter_check
    log(f"aws:ec2:image parameters checked: {args.ami_parameter_check}")
    OPTIONS["dynamic_references"] = args.dynamic_references
    log(f"dynamic references: {args.dynamic_references}")
    if os.environ.get("E2E_AUTHZ", "on") != "off":
        moto_authz.install(record_path=os.environ.get("E2E_AUTHZ_RECORD") or None)
    else:
        log("authorization: off (E2E_AUTHZ=off): every call allowed")
    from moto.server import main as moto_main

    moto_main(["-H", "127.0.0.1", "-p", str(args.port)])


if __name__ == "__main__":
    main()
