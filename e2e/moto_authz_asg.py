"""What Amazon EC2 Auto Scaling does as its service-linked role
(AWSServiceRoleForAutoScaling), evaluated by the authorization model
(e2e/moto_authz.py), which moto 5.2.1 does not do at all:

G1 Scaling notifications: "Amazon EC2 Auto Scaling sends a notification
   to the SNS topic" for each NotificationType of the group's
   NotificationConfigurations, on every instance launch and termination
   (EC2_INSTANCE_LAUNCH, EC2_INSTANCE_TERMINATE).
   https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-sns-notifications.html
   It publishes as its service-linked role.
   https://docs.aws.amazon.com/autoscaling/ec2/userguide/autoscaling-service-linked-role.html
G2 To an encrypted topic, the publisher needs kms:GenerateDataKey* and
   kms:Decrypt on the topic's key, allowed by the key policy (A2): "the
   key policy must allow the AWS service to use the key".
   https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
   https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html
   A denied publish is not an error of the launch: the notification is
   lost. The emulator records the denial (moto_authz RECORD, via
   "autoscaling.amazonaws.com"); the e2e fails on any such denial not in
   its list of known ones (e2e/leastprivilege_test.go knownDenied).
G3 Volumes encrypted with the AWS-managed key aws/ebs (the launch
   template's Encrypted without KmsKeyId) need no key policy of ours: that
   key's policy allows every principal of the account to use it through
   EBS. https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html
   A launch template that names a customer managed KmsKeyId is checked
   for the service-linked role's kms:CreateGrant, as the EBS guide asks
   ("Required AWS KMS key policy for use with encrypted volumes",
   https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html).
"""

from moto.autoscaling.models import FakeAutoScalingGroup

import moto_authz
import moto_authz_seam

SLR = "AWSServiceRoleForAutoScaling"


def _slr(account_id):
    return moto_authz.service_linked_role_arn(account_id, "autoscaling.amazonaws.com", SLR)


def _as_slr(group, action, resource, account_id):
    try:
        moto_authz_seam.require(_slr(account_id), action, resource, account_id)
        return True
    except Exception as e:  # noqa: BLE001 - the evaluator raises AWS's error
        moto_authz.log(f"Auto Scaling ({group.name}): {action} on {resource} denied: notification lost (G1, G2): {e}")
        return False


def notify(group, kind):
    """G1, G2: the group's notifications of kind (EC2_INSTANCE_LAUNCH, ...)."""
    if moto_authz.EVAL["e"] is None:
        return
    account, region = group.autoscaling_backend.account_id, group.autoscaling_backend.region_name
    for conf in getattr(group, "_gf_notifications", None) or []:
        if f"autoscaling:{kind}" not in (conf.get("NotificationTypes") or []):
            continue
        topic = conf.get("TopicARN")
        if not _as_slr(group, "sns:Publish", topic, account):
            continue
        key = _topic_key(topic)
        if key:
            for action in ("kms:GenerateDataKey", "kms:Decrypt"):
                _as_slr(group, action, key, account)


def _topic_key(topic_arn):
    from moto.kms.models import kms_backends
    from moto.sns.models import sns_backends

    parts = topic_arn.split(":")
    try:
        topic = sns_backends[parts[4]][parts[3]].get_topic(topic_arn)
    except Exception:  # noqa: BLE001
        return None
    key = (getattr(topic, "kms_master_key_id", None) or "").strip()
    if not key:
        return None
    try:
        return kms_backends[parts[4]][parts[3]].describe_key(key).arn
    except Exception:  # noqa: BLE001
        return key


def _remember(method, json_arg):
    def wrapped(cls, *args, **kwargs):
        group = method.__func__(cls, *args, **kwargs)
        json_ = kwargs["cloudformation_json"] if "cloudformation_json" in kwargs else args[json_arg]
        group._gf_notifications = (json_.get("Properties") or {}).get("NotificationConfigurations") or []
        return group

    return classmethod(wrapped)


def patch():
    FakeAutoScalingGroup.create_from_cloudformation_json = _remember(FakeAutoScalingGroup.create_from_cloudformation_json, 1)
    FakeAutoScalingGroup.update_from_cloudformation_json = _remember(FakeAutoScalingGroup.update_from_cloudformation_json, 2)

    replace = FakeAutoScalingGroup.replace_autoscaling_group_instances

    def replace_notifying(self, count_needed, propagated_tags):
        before = {s.instance.id for s in self.instance_states}
        replace(self, count_needed, propagated_tags)
        for s in self.instance_states:
            if s.instance.id not in before:
                notify(self, "EC2_INSTANCE_LAUNCH")

    FakeAutoScalingGroup.replace_autoscaling_group_instances = replace_notifying

    from moto.ec2.models.instances import InstanceBackend

    terminate = InstanceBackend.terminate_instances

    def terminate_notifying(self, instance_ids):
        from moto.autoscaling.models import autoscaling_backends

        groups = autoscaling_backends[self.account_id][self.region_name].autoscaling_groups
        owners = [g for g in groups.values() for s in g.instance_states if s.instance.id in instance_ids]
        result = terminate(self, instance_ids)
        for g in owners:
            notify(g, "EC2_INSTANCE_TERMINATE")
        return result

    InstanceBackend.terminate_instances = terminate_notifying
