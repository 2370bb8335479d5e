"""The one seam between the emulator's AWS behaviours and its authorization
model, so that a behaviour that AWS authorizes later (asynchronously, or as
a second action of one call) asks the same evaluator as a direct API call.

    principal = moto_authz_seam.current_principal()   # at request time
    ...
    moto_authz_seam.require(principal, "ec2:DescribeImages", arn, account_id)

With no evaluator installed (authorization off), require() allows
everything and current_principal() returns None. The evaluator, when
installed, raises the error AWS returns for a denied call.
"""

import threading

_local = threading.local()
_checker = None


def install(checker):
    """checker(principal_arn, action, resource_arn, account_id, context) raises when denied."""
    global _checker
    _checker = checker


def set_current_principal(principal_arn):
    _local.principal = principal_arn


def current_principal():
    return getattr(_local, "principal", None)


def require(principal_arn, action, resource_arn, account_id, context=None):
    if _checker is None or principal_arn is None:
        return
    _checker(principal_arn, action, resource_arn, account_id, context or {})


def allowed(principal_arn, action, resource_arn, account_id, context=None):
    """True when require() would not raise."""
    try:
        require(principal_arn, action, resource_arn, account_id, context)
        return True
    except Exception:  # noqa: BLE001 - the evaluator raises AWS's own error types
        return False
