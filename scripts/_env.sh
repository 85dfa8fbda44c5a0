# Shared by the scripts: finds the project's root and its virtual environment.
# Sourced, not run. ensure_venv EXTRAS creates .venv and installs the project with
# those extras when the environment is missing them or is older than pyproject.toml.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
ensure_venv() {
  # One stamp per set of extras: scripts/demo installs "all", scripts/test "dev".
  local stamp="$venv/.installed-$1"
  # The dev extras include all the others.
  if [ -f "$venv/.installed-dev" ] && [ ! "$root/pyproject.toml" -nt "$venv/.installed-dev" ]; then
    stamp="$venv/.installed-dev"
  fi
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
