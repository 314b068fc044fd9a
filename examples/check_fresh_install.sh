#!/usr/bin/env bash
# Audit the example paper exactly as a user would: fim-audit installed non-editable into a fresh virtual
# environment, the paper copied to a folder outside this repository, audited by `fim-audit run --papers` against
# its lock and by the pytest plugin.  Usage: bash examples/check_fresh_install.sh [WORKDIR]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d)}"
python3 -m venv "$work/venv"
. "$work/venv/bin/activate"
pip install -q "torch>=2.2,<2.14"        # the CPU wheel 2.13.0 where it lies on disk; see pyproject.toml
pip install -q "$repo" pytest             # non-editable
cp -r "$repo/examples/softmax_facts" "$work/paper"
cd "$work/paper"
python -c "import fim_audit.claims as c; print('fim-audit imported from', c.__file__)"
fim-audit run --papers softmax_facts.py --check --out "$work/report"
python -m pytest -q -p no:cacheprovider
echo "fresh install: the example paper holds its lock through the CLI and the pytest plugin ($work)"
