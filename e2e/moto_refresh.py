"""Amazon EC2 Auto Scaling instance refresh for moto 5.2.1, which has none
(StartInstanceRefresh, DescribeInstanceRefreshes and CancelInstanceRefresh
raise NotImplementedError), as the Auto Scaling documentation describes it.

Imported by e2e/moto_server.py. It also imports e2e/moto_events.py: Systems
Manager's parameter change events, EventBridge's Step Functions targets and
Step Functions executions, which the golden-fleet rollout and marks use.

Sources:
  [API]  Amazon EC2 Auto Scaling API Reference: StartInstanceRefresh,
         DescribeInstanceRefreshes, CancelInstanceRefresh, InstanceRefresh,
         RefreshPreferences (also in the AWS SDKs' models, for example
         botocore's autoscaling/2011-01-01/service-2.json).
  [HOW]  Amazon EC2 Auto Scaling User Guide, "How an instance refresh works"
         (instance-refresh-overview.html) and "Understand the default values
         for an instance refresh".
  [CP]   User Guide, "Add checkpoints to an instance refresh".
  [IMP]  User Guide, "Instance maintenance policies" (core concepts:
         minimum and maximum healthy percentage).

What it does, and where each behaviour comes from:

1. StartInstanceRefresh returns an InstanceRefreshId and starts replacing
   instances at once [API]. While a refresh of the group is Pending,
   InProgress, Cancelling, RollbackInProgress or Baking, another start
   fails with InstanceRefreshInProgress [API: Errors].
2. Only the Rolling strategy with the group's own configuration is
   emulated: DesiredConfiguration, AutoRollback, ReplaceRootVolume and
   BakeTime are refused with a ValidationError naming them, so a test never
   silently relies on behaviour this file does not have.
3. Instances are replaced in batches [HOW]: the refresh keeps
   MinHealthyPercentage (default 90 [API]) of the desired capacity in
   service, rounded up, and replaces at least one instance at a time
   ("setting the minimum healthy percentage to 100 percent limits the rate
   of replacement to one instance at a time" [API, SDK documentation of
   MinHealthyPercentage]). With MaxHealthyPercentage omitted, "Auto Scaling
   terminates an instance and launches its replacement simultaneously"
   [API: RefreshPreferences]; with it set, up to that percentage of the
   desired capacity may run, new instances are launched first and old ones
   terminated after [IMP].
4. A replacement counts as updated once it is in service and
   InstanceWarmup seconds have passed (default: the group's
   DefaultInstanceWarmup, else its HealthCheckGracePeriod [API]); only then
   does the next batch start, and PercentageComplete and InstancesToUpdate
   move [API: InstanceRefresh].
5. SkipMatching (default false [API]): with no desired configuration, an
   instance matches when it has the launch template and instance type the
   group used before the refresh [API]; matching instances are not
   replaced. moto's instances record their launch template id: an instance
   launched from another template (a replaced one) does not match.
6. CheckpointPercentages pause the refresh, CheckpointDelay seconds
   (default 3600 [API]), once at least that percentage of the instances to
   replace is new; the refresh never replaces more than the next checkpoint
   needs in one batch [CP].
7. AlarmSpecification: "if any of the alarms goes into ALARM state, the
   instance refresh fails" [API, CDK InstanceRefreshOptions]: the state is
   checked before each batch and while waiting, from moto's CloudWatch.
8. CancelInstanceRefresh: the refresh becomes Cancelling and then
   Cancelled; "cancellation does not roll back any replacements that have
   already been completed, but it prevents new replacements from being
   started" [API: DescribeInstanceRefreshes, Status]. Without an active
   refresh it fails with ActiveInstanceRefreshNotFound [API: Errors].
9. DescribeInstanceRefreshes lists the group's refreshes newest first,
   filtered by InstanceRefreshIds [API]. MaxRecords and NextToken are not
   emulated (a test group has a handful).

Not emulated: scale-in protected and Standby instances (the fleet has
none; only InService instances are replaced), warm pools, rollbacks.
"""

import math
import sys
import threading
import time
import uuid
from datetime import datetime, timezone

from moto.autoscaling.exceptions import AutoscalingClientError, ValidationError
from moto.autoscaling.models import autoscaling_backends
from moto.autoscaling.responses import AutoScalingResponse
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.responses import ActionResult

import moto_events  # noqa: F401  (parameter change events, Step Functions targets)


# moto finds an error's service model from its module's name.
class InstanceRefreshInProgress(AutoscalingClientError):
    __module__ = "moto.autoscaling.exceptions"
    code = "InstanceRefreshInProgress"


class ActiveInstanceRefreshNotFound(AutoscalingClientError):
    __module__ = "moto.autoscaling.exceptions"
    code = "ActiveInstanceRefreshNotFound"


ACTIVE = {"Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking"}
_lock = threading.RLock()
_refreshes = {}  # (account, region, group name) -> [Refresh], newest first


def log(msg):
    print(f"moto_refresh: {msg}", file=sys.stderr, flush=True)


def now():
    return datetime.now(timezone.utc)


class Refresh:
    def __init__(self, account, region, group, prefs):
        self.id = str(uuid.uuid4())
        self.account, self.region, self.group = account, region, group
        self.prefs = prefs
        self.status, self.reason = "Pending", None
        self.start, self.end = now(), None
        self.total, self.done = 0, 0
        self.cancel = False

    def describe(self):
        pct = 100 if self.status == "Successful" else (100 * self.done // self.total if self.total else 0)
        d = {
            "InstanceRefreshId": self.id,
            "AutoScalingGroupName": self.group,
            "Status": self.status,
            "StartTime": self.start,
            "PercentageComplete": pct,
            "InstancesToUpdate": max(self.total - self.done, 0),
            "Preferences": self.prefs,
            "ProgressDetails": {"LivePoolProgress": {"PercentageComplete": pct, "InstancesToUpdate": max(self.total - self.done, 0)}},
        }
        if self.reason:
            d["StatusReason"] = self.reason
        if self.end:
            d["EndTime"] = self.end
        return d

    # The worker -------------------------------------------------------

    def backend(self):
        return autoscaling_backends[self.account][self.region]

    def group_(self):
        return self.backend().autoscaling_groups[self.group]

    def in_service(self):
        return [s for s in self.group_().instance_states if s.lifecycle_state == "InService"]

    def alarm_in_alarm(self):
        names = (self.prefs.get("AlarmSpecification") or {}).get("Alarms") or []
        if not names:
            return None
        cw = cloudwatch_backends[self.account][self.region]
        for alarm in cw.alarms.values():
            if alarm.name in names and alarm.state_value == "ALARM":
                return alarm.name
        return None

    def wait(self, seconds):
        """Waits, failing on an alarm; False when the refresh must stop."""
        deadline = time.monotonic() + seconds
        while True:
            with _lock:
                if self.cancel:
                    return False
                alarm = self.alarm_in_alarm()
                if alarm:
                    self.finish("Failed", f"CloudWatch alarm {alarm} is in ALARM state; the instance refresh failed")
                    return False
            if time.monotonic() >= deadline:
                return True
            time.sleep(min(0.2, max(deadline - time.monotonic(), 0)))

    def finish(self, status, reason=None):
        self.status, self.reason, self.end = status, reason, now()
        log(f"{self.group} {self.id}: {status}" + (f" ({reason})" if reason else ""))

    def run(self):
        try:
            self._run()
        except Exception as e:  # a broken group fails the refresh
            with _lock:
                self.finish("Failed", f"{type(e).__name__}: {e}")

    def _run(self):
        prefs = self.prefs
        with _lock:
            group = self.group_()
            desired = group.desired_capacity or 0
            lt = getattr(group, "ec2_launch_template", None)
            lt_id = getattr(lt, "id", None)
            old = []
            for s in self.in_service():
                launched_from = getattr(s.instance, "launch_template_id", None) or lt_id
                if prefs.get("SkipMatching") and launched_from == lt_id and s.instance.instance_type == group.instance_type:
                    continue
                old.append(s.instance.id)
            self.total = len(old)
            min_healthy = prefs.get("MinHealthyPercentage", 90)
            max_healthy = prefs.get("MaxHealthyPercentage")
            warmup = prefs.get("InstanceWarmup")
            if warmup is None:
                warmup = getattr(group, "default_instance_warmup", None) or group.health_check_period or 0
            checkpoints = list(prefs.get("CheckpointPercentages") or [])
            delay = prefs.get("CheckpointDelay", 3600 if checkpoints else 0)
            self.status = "InProgress"
            log(f"{self.group} {self.id}: replacing {self.total} of {desired} instances, "
                f"min healthy {min_healthy}%, max healthy {max_healthy or 'omitted'}, warm-up {warmup}s, checkpoints {checkpoints}")
        healthy_floor = math.ceil(desired * min_healthy / 100)
        if max_healthy:
            surge = max(math.floor(desired * max_healthy / 100) - desired, 0)
        else:
            surge = 0
        batch = max(1, desired - healthy_floor + surge)
        remaining = list(old)
        while remaining:
            if not self.wait(0):
                break
            n = min(batch, len(remaining))
            if checkpoints:
                # Never more than the next checkpoint needs [CP].
                need = math.ceil(self.total * checkpoints[0] / 100) - self.done
                n = max(1, min(n, need))
            now_batch, remaining = remaining[:n], remaining[n:]
            with _lock:
                b = self.backend()
                self.reason = "Waiting for instances to warm up before continuing"
                if surge:
                    # Launch first; terminate once the new ones are
                    # warm [IMP].
                    b.set_desired_capacity(self.group, (self.group_().desired_capacity or 0) + len(now_batch))
                else:
                    # Terminate and launch the replacement simultaneously.
                    for iid in now_batch:
                        b.terminate_instance(iid, False)
                log(f"{self.group} {self.id}: replacing {now_batch}")
            if not self.wait(warmup):
                break
            if surge:
                with _lock:
                    for iid in now_batch:
                        self.backend().terminate_instance(iid, True)
            with _lock:
                self.done += len(now_batch)
                self.reason = None
                pct = 100 * self.done // self.total
            while checkpoints and pct >= checkpoints[0]:
                cp = checkpoints.pop(0)
                if remaining or cp < 100:
                    with _lock:
                        self.reason = f"Checkpoint {cp}% reached: waiting {delay}s before continuing"
                    log(f"{self.group} {self.id}: checkpoint {cp}%, pausing {delay}s")
                    if not self.wait(delay):
                        break
                    with _lock:
                        self.reason = None
        with _lock:
            if self.status in ("Failed",):
                return
            if self.cancel:
                self.finish("Cancelled", "The instance refresh was cancelled")
            else:
                self.finish("Successful")


REFUSED = ("AutoRollback", "BakeTime")


def _start_instance_refresh(self):
    name = self._get_param("AutoScalingGroupName")
    strategy = self._get_param("Strategy") or "Rolling"
    prefs = self._get_param("Preferences") or {}
    backend = self.autoscaling_backend
    if name not in backend.autoscaling_groups:
        raise ValidationError(f"AutoScalingGroup name not found - {name}")
    if strategy != "Rolling":
        raise ValidationError(f"Strategy {strategy} is not emulated (moto_refresh.py): only Rolling")
    if self._get_param("DesiredConfiguration"):
        raise ValidationError("DesiredConfiguration is not emulated (moto_refresh.py)")
    for k in REFUSED:
        if prefs.get(k):
            raise ValidationError(f"Preferences.{k} is not emulated (moto_refresh.py)")
    key = (self.current_account, self.region, name)
    with _lock:
        for r in _refreshes.get(key, []):
            if r.status in ACTIVE:
                raise InstanceRefreshInProgress(
                    f"An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.")
        r = Refresh(self.current_account, self.region, name, dict(prefs))
        _refreshes.setdefault(key, []).insert(0, r)
    threading.Thread(target=r.run, name=f"instance-refresh-{r.id}", daemon=True).start()
    log(f"{name}: instance refresh {r.id} started with {prefs}")
    return ActionResult({"InstanceRefreshId": r.id})


def _describe_instance_refreshes(self):
    name = self._get_param("AutoScalingGroupName")
    ids = self._get_param("InstanceRefreshIds") or []
    with _lock:
        out = [r.describe() for r in _refreshes.get((self.current_account, self.region, name), []) if not ids or r.id in ids]
    return ActionResult({"InstanceRefreshes": out})


def _cancel_instance_refresh(self):
    name = self._get_param("AutoScalingGroupName")
    with _lock:
        for r in _refreshes.get((self.current_account, self.region, name), []):
            if r.status in ("Pending", "InProgress"):
                r.status, r.cancel = "Cancelling", True
                return ActionResult({"InstanceRefreshId": r.id})
    raise ActiveInstanceRefreshNotFound("No in progress or pending Instance Refresh found for Auto Scaling group " + name)


AutoScalingResponse.start_instance_refresh = _start_instance_refresh
AutoScalingResponse.describe_instance_refreshes = _describe_instance_refreshes
AutoScalingResponse.cancel_instance_refresh = _cancel_instance_refresh
