# Sourced before each README shell block (see readme-examples.test.ts). The block runs as written,
# except that: commands that start or build things (npm, npx, docker, mongod, mongosh) do nothing —
# the test's server already runs, seeded; every curl request goes to the test's server
# (http://localhost:8080 rewritten to $README_ORIGIN), carries the test's admin token unless it
# sends credentials of its own, and reports its status and exit code on stderr.
npm() { :; }
npx() { :; }
docker() { :; }
mongod() { :; }
mongosh() { :; }
curl() {
  local own=no a
  for a in "$@"; do
    case "$a" in -u | --user | Authorization:* | authorization:*) own=yes ;; esac
  done
  local args=("${@//http:\/\/localhost:8080/$README_ORIGIN}")
  if [ "$own" = no ]; then args=(-H "Authorization: Bearer $README_TOKEN" "${args[@]}"); fi
  command curl --silent --show-error --max-time 60 \
    --write-out '%{stderr}README_STATUS %{http_code} %{method} %{url_effective}\n' "${args[@]}"
  local rc=$?
  echo "README_EXIT $rc" >&2
  return $rc
}
