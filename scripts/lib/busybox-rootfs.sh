# shellcheck shell=bash
# The root file system of Switchyard's images, from Debian's busybox-static, for `docker import`
# (no registry is needed): `full` is switchyard/busybox (the probe image: ping, a shell and the usual
# tools), `noping` is switchyard/noping (only sleep: for tests of the helper probe).
#   build_busybox_rootfs DIR full|noping
build_busybox_rootfs() {
  local dir=$1 kind=$2 tool
  mkdir -p "$dir/bin"
  cp /bin/busybox "$dir/bin/busybox"
  if [ "$kind" = noping ]; then
    ln -sf busybox "$dir/bin/sleep"
    return
  fi
  mkdir -p "$dir/tmp" "$dir/etc" "$dir/root" "$dir/var/www"
  for tool in sh sleep ping ping6 ip nslookup nc wget cat echo hostname ls httpd mkdir timeout true false env id ps \
    grep sed awk head tail wc sort uniq printf test date kill ifconfig route arp traceroute tr cut seq; do
    ln -sf busybox "$dir/bin/$tool"
  done
  chmod 1777 "$dir/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
}
