#!/usr/bin/env bash
# Run the commands of docs/tutorial.md in a fresh folder and keep each one's output, to paste
# into the tutorial after a change to lzgen's messages:
#
#   bash scripts/capture_tutorial.sh [FOLDER]    # default: a new temporary folder
#
# Needs the `local` (or `test`) extra in .venv and the AWS CLI for step 9. Starts its own
# emulator on a free port and stops it at the end.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${1:-$(mktemp -d)}"
export PATH="$ROOT/.venv/bin:$PATH" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
    AWS_DEFAULT_REGION=us-east-1 COLUMNS=80
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
E="--endpoint-url http://127.0.0.1:$PORT"
mkdir -p "$WORK/blueprints" "$WORK/captured" && cd "$WORK" || exit 1
git init -q .

step() {  # step NAME COMMAND...: run COMMAND, keep its output and exit code in captured/NAME
    local name=$1; shift
    { echo "\$ $*"; "$@" 2>&1; echo "exit $?"; } > "captured/$name.txt"
}

# The tutorial's blueprint is blueprints/minimal.yaml without its opening comment.
grep -v '^#' "$ROOT/blueprints/minimal.yaml" > blueprints/tiny.yaml
step 03-validate lzgen validate blueprints/tiny.yaml
sed 's/ou: Infrastructure/ou: Infra/' blueprints/tiny.yaml > blueprints/broken.yaml
step 03-missing-ou lzgen validate blueprints/broken.yaml
sed 's/    purpose: network/&\n    enviroment: prod/' blueprints/tiny.yaml > blueprints/broken.yaml
step 03-typo lzgen validate blueprints/broken.yaml
rm blueprints/broken.yaml
step 04-check lzgen check blueprints/tiny.yaml
step 05-generate lzgen generate blueprints/tiny.yaml
step 06-deploy-local lzgen deploy --local --yes

lzgen emulator --port "$PORT" > captured/07-emulator.txt 2>&1 &
EMULATOR=$!
trap 'kill $EMULATOR 2>/dev/null' EXIT
sleep 5
step 07-deploy-1 lzgen deploy $E --yes
step 07-deploy-2 lzgen deploy $E --yes

git add blueprints && git -c user.name=tutorial -c user.email=tutorial@example.com \
    commit -qm "tiny organization"
python3 - <<'EOF'
from pathlib import Path

path = Path("blueprints/tiny.yaml")
text = path.read_text()
text = text.replace("    environment: prod\n\naccounts:",
                    "    environment: prod\n  Sandbox:\n    environment: sandbox\n\naccounts:")
text = text.replace("    environment: prod\n\npolicies:",
                    "    environment: prod\n  app-dev:\n    email: aws-app-dev@tiny.example\n"
                    "    ou: Sandbox\n    environment: dev\n\npolicies:")
path.write_text(text)
EOF
step 08-diff lzgen diff --base HEAD blueprints/tiny.yaml
step 08-generate lzgen generate blueprints/tiny.yaml
step 08-dry-run lzgen deploy $E --dry-run
step 08-deploy lzgen deploy $E --yes

step 09-drift-none lzgen drift blueprints/tiny.yaml $E
ROOT_ID=$(aws $E organizations list-roots --query 'Roots[0].Id' --output text)
POLICY=$(aws $E organizations list-policies --filter SERVICE_CONTROL_POLICY \
    --query "Policies[?Name=='deny-leave-organization'].Id" --output text)
aws $E organizations detach-policy --policy-id "$POLICY" --target-id "$ROOT_ID"
step 09-drift lzgen drift blueprints/tiny.yaml $E
step 09-drift-weakens lzgen drift blueprints/tiny.yaml $E --fail-on weakens
step 09-deploy-after-drift lzgen deploy $E --yes
aws $E organizations attach-policy --policy-id "$POLICY" --target-id "$ROOT_ID"
step 09-drift-repaired lzgen drift blueprints/tiny.yaml $E

step 10-import lzgen import $E -o imported/tiny.yaml --name tiny
echo "captured in $WORK/captured:"
ls "$WORK/captured"
