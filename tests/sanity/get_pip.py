"""Offline stand-in for the get-pip.py that ansible-test downloads to bootstrap its sanity venvs.

ansible-test fetches get-pip-<ver>.py from the internet the first time it builds a venv; where only PyPI is
reachable, this script, copied to ~/.ansible/test/cache/get_pip_<ver>.py, does the same job: it seeds pip with
ensurepip and then installs the requested packages from the configured index.
"""

from __future__ import annotations

import os
import subprocess
import sys


def main() -> int:
    env = dict(os.environ)
    env.pop("PIP_CONFIG_FILE", None)  # ansible-test isolates pip from the site's pip.conf; keep the site mirror
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], env=env)
    env.pop("ENSUREPIP_OPTIONS", None)
    args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
    return subprocess.call([sys.executable, "-m", "pip", "install"] + args, env=env)


if __name__ == "__main__":
    sys.exit(main())
