"""Where a laptop finds its office key, and the record of which key a data folder belongs to.

The data folder holds ``office.json`` (public: the key's fingerprint and whether it is demo data), so a
wrong key is told from a damaged database before anything is opened. The key itself is looked up, in
this order:

1. ``AABEN_RAADGIVNING_OFFICE_KEY``: the recovery code in an environment variable (scheduled syncs);
2. ``AABEN_RAADGIVNING_OFFICE_KEY_FILE``: a file holding the recovery code, readable by its owner only
   (0600) — anything looser is refused;
3. the OS credential store through ``keyring`` (Windows Credential Manager, macOS Keychain, Secret
   Service), under the key's fingerprint, so several offices on one computer keep apart.

Both environment routes put the key where any process of that OS user can read it; the README says so.
A demo data folder always uses the public demo key and needs none of this.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from aaben_raadgivning import file_modes
from aaben_raadgivning.domain.errors import UserError
from aaben_raadgivning.security.office_key import OfficeKey, RecoveryCodeError

ENV_KEY = "AABEN_RAADGIVNING_OFFICE_KEY"
ENV_KEY_FILE = "AABEN_RAADGIVNING_OFFICE_KEY_FILE"
KEYRING_SERVICE = "aaben-raadgivning"
OFFICE_FILENAME = "office.json"

SETUP_ADVICE = (
    "Er det kontorets første computer, så opret kontornøglen med «aaben-raadgivning office init». Ellers "
    "skriv kontorets gendannelseskode ind med «aaben-raadgivning office join»."
)


class OfficeKeyError(UserError, RuntimeError):
    """No usable office key; the Danish message says what to do."""


class OfficeKeyMissing(OfficeKeyError):
    """This laptop has no key for the folder (not set up, or the credential store lost it)."""


class WrongOfficeKey(OfficeKeyError):
    """A key that is not the one the folder was set up with."""


@dataclass(frozen=True)
class OfficeRecord:
    key_id: str
    demo: bool


def office_file(data_dir: Path) -> Path:
    return data_dir / OFFICE_FILENAME


def read_record(data_dir: Path) -> OfficeRecord | None:
    path = office_file(data_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return OfficeRecord(str(data["key_id"]), bool(data.get("demo", False)))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OfficeKeyError(
            f"Filen {path} kan ikke læses ({exc}). Den fortæller, hvilken kontornøgle mappen hører til. "
            "Kontakt support; slet den ikke."
        ) from None


def write_record(data_dir: Path, key: OfficeKey) -> OfficeRecord:
    record = OfficeRecord(key.key_id, key.is_demo)
    text = json.dumps({"app": "aaben-raadgivning", "key_id": record.key_id, "demo": record.demo}, indent=2) + "\n"
    file_modes.write_private(office_file(data_dir), text.encode("utf-8"))
    return record


def check_key(record: OfficeRecord | None, key: OfficeKey, data_dir: Path) -> None:
    """Refuse a key that does not belong to the folder (and the demo key for a real office's folder)."""
    if record is None:
        return
    if key.is_demo and not record.demo:
        raise WrongOfficeKey(
            f"Mappen {data_dir} er sat op til et rigtigt kontor; demo-nøglen kan ikke bruges til den. "
            "Brug --demo uden --data-dir for demodata, eller en anden mappe."
        )
    if key.key_id != record.key_id:
        raise WrongOfficeKey(
            f"Kontornøglen passer ikke til mappen {data_dir} (mappen hører til nøgle {record.key_id}, nøglen "
            f"her er {key.key_id}). Intet er åbnet eller ændret. Brug kontorets rigtige gendannelseskode."
        )


# --- the credential store --------------------------------------------------------------------------


def _keyring():  # imported only when needed: it costs start-up time, and demo data never needs it
    import keyring
    import keyring.errors

    return keyring, keyring.errors.KeyringError


def keyring_key(key_id: str) -> OfficeKey | None:
    keyring, keyring_error = _keyring()
    try:
        code = keyring.get_password(KEYRING_SERVICE, key_id)
    except keyring_error:
        return None  # no credential store on this computer: asked for instead
    if not code:
        return None
    try:
        return OfficeKey.from_recovery_code(code)
    except RecoveryCodeError:
        return None


def store_in_keyring(key: OfficeKey) -> bool:
    """Keep the key in the OS credential store; False where there is none."""
    keyring, keyring_error = _keyring()
    try:
        keyring.set_password(KEYRING_SERVICE, key.key_id, key.recovery_code)
    except keyring_error:
        return False
    return True


def forget_keyring(key_id: str) -> None:
    keyring, keyring_error = _keyring()
    try:
        keyring.delete_password(KEYRING_SERVICE, key_id)
    except keyring_error:
        pass


# --- the environment -------------------------------------------------------------------------------


def _key_file(path: Path) -> OfficeKey:
    try:
        info = path.stat()
        if os.name == "posix" and stat.S_IMODE(info.st_mode) & 0o077:
            raise OfficeKeyError(
                f"Nøglefilen {path} kan læses af andre end ejeren. Ret det med «chmod 600 {path}»; "
                "nøglen er ikke brugt."
            )
        code = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OfficeKeyError(f"Nøglefilen {path} kan ikke læses ({exc.strerror or exc}).") from None
    return OfficeKey.from_recovery_code(code)


def environment_key() -> OfficeKey | None:
    code = os.environ.get(ENV_KEY, "").strip()
    if code:
        return OfficeKey.from_recovery_code(code)
    file = os.environ.get(ENV_KEY_FILE, "").strip()
    if file:
        return _key_file(Path(file).expanduser())
    return None


# --- finding the key for a folder ------------------------------------------------------------------


def find_key(data_dir: Path, *, demo: bool = False) -> OfficeKey:
    """The office key for ``data_dir``, or an ``OfficeKeyError`` saying what to do. Writes nothing: the
    folder's record is written once its database has opened with the key (runtime.py)."""
    record = read_record(data_dir)
    if demo or (record is not None and record.demo):
        demo_key = OfficeKey.demo()
        check_key(record, demo_key, data_dir)
        return demo_key
    key = environment_key()
    if key is None and record is not None:
        key = keyring_key(record.key_id)
    if key is None:
        if record is None:
            raise OfficeKeyMissing(f"Computeren er ikke sat op til et kontor endnu. {SETUP_ADVICE}")
        raise OfficeKeyMissing(
            f"Kontornøglen til {data_dir} (nøgle {record.key_id}) findes ikke på denne computer. Skriv "
            "kontorets gendannelseskode ind med «aaben-raadgivning office join»."
        )
    check_key(record, key, data_dir)
    return key
