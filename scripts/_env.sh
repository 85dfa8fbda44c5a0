# Shared by the scripts: finds the project's root and its virtual environment.
# Sourced, not run. Creates .venv and installs the project with its dev extras
# when the environment is missing or older than pyproject.toml.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
ensure_venv() {
  local stamp="$venv/.installed"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
  fi
  if [ ! -f "$stamp" ] || [ "$root/pyproject.toml" -nt "$stamp" ]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$root[$1]"
    touch "$stamp"
  fi
  export PATH="$venv/bin:$PATH"
}
