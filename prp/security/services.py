"""Changes to a person's two-factor set-up. Each is one transaction, logged for audit."""

import logging
import time
from binascii import unhexlify

from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp import devices_for_user
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from prp.audit import create_recorded
from prp.models import User

log = logging.getLogger("prp.security")

BACKUP_CODE_COUNT = 10
WRONG_CODE = "The code is not correct. Enter the 6-digit code your authenticator app shows now"
WRONG_CODE_OR_BACKUP = (
    "The code is not correct. Enter the code your authenticator app shows now, or a backup code"
)
TOO_MANY_TRIES = "You entered a wrong code too many times. Wait a minute, then try again"


def _totp_step(key: str, code: str) -> int | None:
    """The time step `code` belongs to for this key (one step either side allowed for a
    phone's clock), or None if it does not match."""
    code = code.strip().replace(" ", "")
    if not code.isdigit():
        return None
    totp = TOTP(unhexlify(key.encode()), step=30, t0=0, digits=6)
    totp.time = time.time()
    if not totp.verify(int(code), tolerance=1):
        return None
    return totp.t()


@transaction.atomic
def two_factor_set_up(*, user: User, key: str, code: str) -> list[str]:
    """Turns on two-factor codes with the app that was given `key`, once it shows it has the
    key by producing a current code. Replaces any earlier app and backup codes. Returns the
    new backup codes (shown once)."""
    step = _totp_step(key, code)
    if step is None:
        raise ValidationError({"code": WRONG_CODE})
    TOTPDevice.objects.filter(user=user).delete()
    # last_t: the code just used cannot be used again to sign in.
    device = TOTPDevice(user=user, name="Authenticator app", key=key, confirmed=True, last_t=step)
    device.full_clean()
    device.save()
    codes = backup_codes_replace(user=user)
    log.info("Two-factor authentication set up for user %s", user.pk)
    return codes


@transaction.atomic
def backup_codes_replace(*, user: User) -> list[str]:
    """New single-use backup codes for when the phone is not to hand; the old ones stop
    working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": "Backup codes", "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    create_recorded(StaticToken, (StaticToken(device=device, token=code) for code in codes))
    log.info("Backup codes replaced for user %s", user.pk)
    return codes


def backup_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def two_factor_verify(*, user: User, code: str):
    """The device that accepts `code`: the app's current code or an unused backup code.

    Each wrong code makes a device wait longer before it checks again (django-otp's
    throttling: 1, 2, 4... seconds), which stops anyone trying every code. The wrong tries are
    committed before the refusal is raised, so raising cannot undo them.
    """
    device, throttled = _match_code(user=user, code=code)
    if device is not None:
        log.info("Two-factor code accepted for user %s", user.pk)
        return device
    raise ValidationError({"code": TOO_MANY_TRIES if throttled else WRONG_CODE_OR_BACKUP})


@transaction.atomic
def _match_code(*, user: User, code: str):
    # Devices are locked while checking, so one code cannot be used twice at once.
    code = code.strip().replace(" ", "").lower()
    devices = list(devices_for_user(user, for_verify=True))
    if devices and not any(device.verify_is_allowed()[0] for device in devices):
        return None, True
    for device in devices:
        if device.verify_token(code):
            return device, False
    return None, False


@transaction.atomic
def two_factor_turn_off(*, user: User) -> None:
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    log.info("Two-factor authentication turned off for user %s", user.pk)
