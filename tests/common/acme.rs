//! Let's Encrypt's test CA, pebble, and its mock DNS, pebble-challtestsrv,
//! on loopback: a private ACME server the tests obtain real certificates
//! from. Pebble validates challenges at the names' addresses from the mock
//! DNS (every name is 127.0.0.1 unless told otherwise), on the ports given.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use camino::Utf8PathBuf;

use super::Server;
use super::lab::free_port;

pub struct Acme {
    /// The ACME directory URL.
    pub directory: String,
    /// The certificate pebble's own HTTPS is served with: what a client
    /// must trust to talk to it (`acme_ca_root`).
    pub api_root: Utf8PathBuf,
    management: u16,
    dns_management: u16,
    _pebble: Server,
    _dns: Server,
}

impl Acme {
    /// Pebble validating HTTP-01 on `http_port` and TLS-ALPN-01 on
    /// `tls_port` of each name's address.
    pub fn start(dir: &camino::Utf8Path, http_port: u16, tls_port: u16) -> Acme {
        std::fs::create_dir_all(dir).unwrap();
        let (cert, key) = (dir.join("pebble.pem"), dir.join("pebble.key"));
        let status = Command::new(super::require_tool("openssl"))
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
            .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"])
            .args(["-subj", "/CN=pebble", "-addext"])
            .arg("subjectAltName=IP:127.0.0.1,DNS:localhost")
            .arg("-keyout")
            .arg(key.as_str())
            .arg("-out")
            .arg(cert.as_str())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(
            status.success(),
            "openssl could not make pebble's certificate"
        );

        let (dns, dns_management) = (free_port(), free_port());
        let dns_child = Command::new(super::require_tool("pebble-challtestsrv"))
            .args(["-dns01", &format!("127.0.0.1:{dns}")])
            .args(["-management", &format!("127.0.0.1:{dns_management}")])
            .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
            .args(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut dns_server = Server(dns_child);
        super::wait_for_port(dns_management, "pebble-challtestsrv", &mut dns_server.0);

        let (listen, management) = (free_port(), free_port());
        let config = dir.join("pebble.json");
        let json = serde_json::json!({"pebble": {
            "listenAddress": format!("127.0.0.1:{listen}"),
            "managementListenAddress": format!("127.0.0.1:{management}"),
            "certificate": cert, "privateKey": key,
            "httpPort": http_port, "tlsPort": tls_port,
            "ocspResponderURL": "", "externalAccountBindingRequired": false,
        }});
        std::fs::write(&config, json.to_string()).unwrap();
        let pebble = Command::new(super::require_tool("pebble"))
            .args(["-config", config.as_str()])
            .args(["-dnsserver", &format!("127.0.0.1:{dns}")])
            // Validate at once, and accept every nonce: the tests are
            // about infrac, not about a client's retries.
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut pebble = Server(pebble);
        super::wait_for_port(listen, "pebble", &mut pebble.0);
        Acme {
            directory: format!("https://127.0.0.1:{listen}/dir"),
            api_root: cert,
            management,
            dns_management,
            _pebble: pebble,
            _dns: dns_server,
        }
    }

    /// The root pebble issues under (made anew each run), as PEM.
    pub fn issuing_root(&self) -> String {
        let out = Command::new(super::require_tool("curl"))
            .args(["-s", "--max-time", "5", "--cacert", self.api_root.as_str()])
            .arg(format!("https://127.0.0.1:{}/roots/0", self.management))
            .output()
            .unwrap();
        let pem = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(pem.contains("BEGIN CERTIFICATE"), "pebble's root: {pem}");
        pem
    }

    /// Writes [`Acme::issuing_root`] into `dir`, for clients to trust.
    pub fn issuing_root_in(&self, dir: &camino::Utf8Path) -> Utf8PathBuf {
        let path = dir.join("pebble-issuing-root.pem");
        std::fs::write(&path, self.issuing_root()).unwrap();
        path
    }

    /// Makes the mock DNS answer `name` with `address` (A record).
    pub fn resolve(&self, name: &str, address: &str) {
        let body = serde_json::json!({"host": name, "addresses": [address]}).to_string();
        let out = Command::new(super::require_tool("curl"))
            .args(["-s", "--max-time", "5", "-d", &body])
            .arg(format!("http://127.0.0.1:{}/add-a", self.dns_management))
            .output()
            .unwrap();
        assert!(out.status.success(), "challtestsrv: {out:?}");
    }
}

/// `GET https://NAME:PORT/` through loopback, trusting only `root`: the
/// status and body once it answers (up to `timeout`), else the last error.
pub fn get_https(
    name: &str,
    port: u16,
    root: &camino::Utf8Path,
    timeout: Duration,
) -> Result<(u16, String), String> {
    let start = Instant::now();
    let mut last = String::new();
    while start.elapsed() < timeout {
        let out = Command::new(super::require_tool("curl"))
            .args(["-sS", "--max-time", "5", "--cacert", root.as_str()])
            .args(["--resolve", &format!("{name}:{port}:127.0.0.1")])
            .args(["-w", "\n%{http_code}"])
            .arg(format!("https://{name}:{port}/"))
            .output()
            .unwrap();
        if out.status.success() {
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
            return Ok((code.parse().unwrap_or(0), body.to_owned()));
        }
        last = String::from_utf8_lossy(&out.stderr).into_owned();
        std::thread::sleep(Duration::from_millis(250));
    }
    Err(last)
}

/// Forwards TCP connections made to `listen` (`127.0.0.2:PORT`) to
/// `127.0.0.1:to`, for as long as the test runs: the lab's hosts share
/// one address, so this gives each its own, for the mock DNS to name.
pub fn forward(listen: &str, to: u16) {
    let listener = std::net::TcpListener::bind(listen).unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = std::net::TcpStream::connect(("127.0.0.1", to)) else {
                continue;
            };
            let (mut c_read, mut s_write) =
                (client.try_clone().unwrap(), server.try_clone().unwrap());
            let (mut s_read, mut c_write) = (server, client);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c_read, &mut s_write);
                let _ = s_write.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut s_read, &mut c_write);
                let _ = c_write.shutdown(std::net::Shutdown::Write);
            });
        }
    });
}

/// A folder of stand-ins, to put first in `PATH`, for what a host runs
/// that this machine lacks:
/// - `systemd-cat` (journald does not run here) runs its command, with
///   the output left on stderr;
/// - `docker` (no engine here): `run` of the `certbot/certbot` image runs
///   this machine's certbot as the image would, with only the image's
///   folders and the `-v` mounts (bind mounts, read-only ones too) in a
///   mount namespace of its own, and only the `-e` environment; `ps`
///   names one running proxy container, and `exec` is written to
///   `docker-exec.log` in the folder, one line a call.
pub fn shims(dir: &camino::Utf8Path) -> Utf8PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    // The docker stand-in's mounts (util-linux).
    super::require_tool("unshare");
    let shims = dir.join("shims");
    std::fs::create_dir_all(&shims).unwrap();
    let log = shims.join("docker-exec.log");
    let scripts = [
        (
            "systemd-cat",
            "#!/bin/sh\nwhile [ \"$#\" -gt 0 ] && [ \"$1\" != -- ]; do shift; done\nshift\nexec \"$@\"\n"
                .to_owned(),
        ),
        (
            "docker",
            format!(
                r#"#!/bin/bash
set -euo pipefail
case $1 in
    ps) echo proxy1; exit 0 ;;
    exec) shift; echo "$*" >> '{log}'; exit 0 ;;
    run) shift ;;
    __inside)
        # In the new mount namespace: the mounts' sources held aside, the
        # machine's folders the image lacks hidden (/tmp, where the tests'
        # hosts live) and the image's own empty; then the mounts where the
        # command puts them, and certbot, the image's entrypoint.
        shift
        mount -t tmpfs tmpfs /mnt
        n=$1; shift
        specs=("${{@:1:n}}"); shift "$n"
        for i in "${{!specs[@]}}"; do
            src=${{specs[i]%%:*}}
            # As docker does for `-v`: a missing source is made, a folder.
            [ -e "$src" ] || mkdir -p "$src"
            if [ -d "$src" ]; then mkdir "/mnt/$i"; else : > "/mnt/$i"; fi
            mount --bind "$src" "/mnt/$i"
        done
        for d in /tmp /etc/letsencrypt /var/lib /var/log; do
            mount -t tmpfs tmpfs "$d"
        done
        for i in "${{!specs[@]}}"; do
            rest=${{specs[i]#*:}}; dst=${{rest%%:*}}
            if [ -d "/mnt/$i" ]; then
                mkdir -p "$dst"
            else
                mkdir -p "$(dirname "$dst")"
                [ -e "$dst" ] || : > "$dst"
            fi
            mount --move "/mnt/$i" "$dst"
            if [ "$rest" != "$dst" ]; then
                [ "${{rest#*:}}" = ro ] || {{ echo "docker shim: mount ${{specs[i]}}" >&2; exit 1; }}
                mount -o remount,bind,ro "$dst"
            fi
        done
        n=$1; shift
        envs=("${{@:1:n}}"); shift "$n"
        exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "${{envs[@]}}" certbot "$@"
        ;;
    *) echo "docker shim: $1 is not supported" >&2; exit 1 ;;
esac
mounts=() envs=()
while [ $# -gt 0 ]; do
    case $1 in
        --rm) shift ;;
        -v) mounts+=("$2"); shift 2 ;;
        -e) envs+=("$2"); shift 2 ;;
        -*) echo "docker shim: option $1 is not supported" >&2; exit 1 ;;
        *) break ;;
    esac
done
[ "$1" = certbot/certbot ] || {{ echo "docker shim: image $1 is not supported" >&2; exit 1; }}
shift
exec unshare --mount --propagation private /bin/bash "$0" __inside \
    "${{#mounts[@]}}" "${{mounts[@]}}" "${{#envs[@]}}" "${{envs[@]}}" "$@"
"#
            ),
        ),
    ];
    for (name, text) in scripts {
        let path = shims.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    shims
}
