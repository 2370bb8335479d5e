"""AWS behaviour promotion relies on and moto 5.2.1 lacks (imported by
e2e/moto_server.py). It changes nothing the app synthesizes.

S11. EC2 CopyImage of an AMI another account shared: the caller copies an
   AMI owned by another account when that account granted it launch
   permission on the AMI and create-volume permission on its snapshots;
   the copy belongs to the caller. Without both grants the AMI is not
   copyable (and, not being shared, not visible: InvalidAMIID.NotFound).
   moto looks for the source AMI in the caller's own account only, so
   every cross-account copy fails.
   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/how-ami-copy-works.html
   ("Cross-account copying": the owner must grant read permissions for the
   storage that backs the AMI, the associated EBS snapshot)
   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-explicit.html
"""

import sys

from moto.ec2.exceptions import InvalidAMIIdError
from moto.ec2.models import amis as ec2_amis

_copy_image = ec2_amis.AmiBackend.copy_image


def _shared_with(ami, account_id):
    """Launch permission on the AMI and create-volume permission on its
    snapshot, granted to account_id (or to everyone)."""
    launch = ami.is_public or {"UserId": account_id} in ami.launch_permissions
    snapshot = ami.ebs_snapshot
    storage = account_id in snapshot.create_volume_permission_userids or "all" in snapshot.create_volume_permission_groups
    return launch and storage


def _copy_image_shared(self, source_image_id, source_region, name=None, description=None):
    from moto.ec2.models import ec2_backends

    own = ec2_backends[self.account_id][source_region]
    if source_image_id in own.amis:
        return _copy_image(self, source_image_id, source_region, name, description)
    for account_id, regions in list(ec2_backends.items()):
        if account_id == self.account_id or source_region not in regions:
            continue
        source = regions[source_region].amis.get(source_image_id)
        if source is None:
            continue
        if not _shared_with(source, self.account_id):
            break
        ami = ec2_amis.Ami(self, ec2_amis.random_ami_id(), instance=None, source_ami=source, name=name, description=description)
        self.amis[ami.id] = ami
        print(f"moto_promotion: {self.account_id} copied {source_image_id} of {account_id} as {ami.id}", file=sys.stderr, flush=True)
        return ami
    raise InvalidAMIIdError(source_image_id)


ec2_amis.AmiBackend.copy_image = _copy_image_shared
