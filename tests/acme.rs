//! Certificates from a real ACME server: pebble (Let's Encrypt's test CA)
//! and its mock DNS on loopback, driven through the sshd lab with real
//! Caddy and NGINX.

mod common;

use std::time::Duration;

use common::acme::{Acme, get_https};
use common::lab::{Lab, free_port};

/// A Caddy host whose program names pebble as its ACME directory (and
/// pebble's own certificate as the root to trust for it) obtains its
/// site's certificate there: the site answers over HTTPS with a
/// certificate that chains to pebble's issuing root.
#[test]
fn a_caddy_host_obtains_its_certificate_from_the_programs_acme_server() {
    let lab = Lab::new("acme-caddy");
    let (decl, port, _caddy) = lab.caddy_host("c");
    let https = free_port();
    let acme = Acme::start(&lab.root.join("acme"), port.http, https);
    // The CA's root, on the host (under its prefix) where the program
    // says it is.
    let on_host = lab.host("c").join("etc/ssl/acme-root.pem");
    std::fs::create_dir_all(on_host.parent().unwrap()).unwrap();
    std::fs::copy(&acme.api_root, &on_host).unwrap();
    let decl = decl.replacen(
        "}\n",
        &format!(
            "    https_port {https}\n    acme_email ops@example.org\n    acme_ca {}\n    acme_ca_root /etc/ssl/acme-root.pem\n}}\n",
            acme.directory
        ),
        1,
    );
    lab.page("c", "a", "site a over https");
    lab.write(&format!(
        "defaults {{\n    site_root /srv\n}}\n{decl}site a {{\n    domains a.example.org\n    on c\n    static\n}}\n"
    ));
    applied_ok(&lab);
    let root = acme.issuing_root_in(&lab.root);
    let answer = get_https("a.example.org", https, &root, Duration::from_mins(1));
    assert_eq!(answer, Ok((200, "site a over https".to_owned())));
}

/// The PIDs of an NGINX master's workers (new ones after a reload).
fn workers(master: u32) -> Vec<u32> {
    let mut out: Vec<u32> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| {
                    let after = s.rsplit_once(") ")?.1.to_owned();
                    after.split(' ').nth(1)?.parse::<u32>().ok()
                })
                == Some(master)
        })
        .collect();
    out.sort_unstable();
    out
}

/// The workers once only one generation is left (old ones finish what
/// they accepted before a reload).
fn settled(master: u32) -> Vec<u32> {
    let start = std::time::Instant::now();
    loop {
        let w = workers(master);
        if w.len() == 1 || start.elapsed() > Duration::from_secs(10) {
            return w;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The workers once a reload (if any) has taken: a new generation alone,
/// waited for up to 10 s; when none comes, the same ones after 2 s.
fn after_run(master: u32, before: &[u32]) -> Vec<u32> {
    let start = std::time::Instant::now();
    loop {
        let w = workers(master);
        let renewed = w.len() == 1 && w != before;
        if renewed || start.elapsed() > Duration::from_secs(10) {
            return w;
        }
        if start.elapsed() > Duration::from_secs(2) && w == before {
            return w;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The serial of the certificate served for `name` on `port` (`serial=…`),
/// asked again for up to 5 s while a handshake does not complete.
fn served_serial(name: &str, port: u16) -> String {
    let script = format!(
        "openssl s_client -connect 127.0.0.1:{port} -servername {name} </dev/null 2>/dev/null | openssl x509 -noout -serial"
    );
    let start = std::time::Instant::now();
    loop {
        let out = std::process::Command::new("sh")
            .args(["-c", &script])
            .output()
            .unwrap();
        let serial = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if serial.starts_with("serial=") || start.elapsed() > Duration::from_secs(5) {
            return serial;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The generated renewal job (`builtin certbot-renew`) against pebble:
/// when nothing is due, certbot renews nothing and NGINX is not reloaded;
/// with a forced renewal (certbot's own `cli.ini`), the certificate is
/// renewed through the webroot NGINX serves, and NGINX reloads and serves
/// the new one.
#[test]
fn the_renewal_job_reloads_nginx_exactly_when_a_certificate_changed() {
    let (lab, https, _port, nginx, acme) = certbot_lab("acme-renew");
    let host = lab.host("n");
    lab.write(
        &(certbot_program(&lab, &acme.directory)
            + "cron renew {\n    builtin certbot-renew\n    schedule @daily\n    on n\n}\n"),
    );
    // The first certificate: requested by the first apply.
    applied_ok(&lab);
    let root = acme.issuing_root_in(&lab.root);
    assert_eq!(
        get_https("s.example.org", https, &root, Duration::from_secs(10)),
        Ok((200, "site s over https".to_owned()))
    );
    let master = nginx.0.id();
    let first_serial = served_serial("s.example.org", https);
    assert!(first_serial.starts_with("serial="), "{first_serial}");

    let shims = common::acme::shims(&lab.root);
    let config_home = lab.root.join("config-home");
    let run = |forced: bool| {
        write_certbot_settings(&config_home.join("letsencrypt"), forced);
        let path = format!("{shims}:{}", std::env::var("PATH").unwrap_or_default());
        std::process::Command::new(host.join("usr/local/lib/infrac/renew.sh"))
            .env("PATH", path)
            .env("XDG_CONFIG_HOME", config_home.as_str())
            .output()
            .unwrap()
    };

    // Nothing due: no renewal, no reload.
    let before = settled(master);
    let out = run(false);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        after_run(master, &before),
        before,
        "NGINX was reloaded for nothing"
    );
    assert_eq!(served_serial("s.example.org", https), first_serial);

    // Forced: a new certificate, through the webroot NGINX serves, and
    // NGINX reloads to serve it.
    let out = run(true);
    assert!(out.status.success(), "{out:?}");
    let after = after_run(master, &before);
    assert_ne!(after, before, "NGINX was not reloaded: {out:?}");
    let renewed = served_serial("s.example.org", https);
    assert_ne!(renewed, first_serial, "{out:?}");
    assert!(!host.join("etc/letsencrypt/infrac-deploy").exists());
    assert_eq!(
        get_https("s.example.org", https, &root, Duration::from_secs(10)),
        Ok((200, "site s over https".to_owned()))
    );

    // Not forced again: nothing changes.
    let out = run(false);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(after_run(master, &after), after);
    assert_eq!(served_serial("s.example.org", https), renewed);
}

/// certbot's `cli.ini` in `dir`: a renewal at once (certbot waits up to
/// 8 minutes before one it was not asked for on a terminal, to spread the
/// CA's load), and forced when `forced`.
fn write_certbot_settings(dir: &camino::Utf8Path, forced: bool) {
    let mut settings = "no-random-sleep-on-renew = True\n".to_owned();
    if forced {
        settings.push_str("force-renewal = True\n");
    }
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("cli.ini"), settings).unwrap();
}

/// certbot in its image, as a host whose proxy runs in containers runs it
/// (`docker run … certbot/certbot`, the seed's way). No Docker engine
/// here: `common::acme::shims` runs this machine's certbot with the
/// command's mounts, in a mount namespace of its own. The manifest's
/// request obtains the certificate from pebble into the host's folders,
/// through the webroot its mounts share with the proxy; the renewal job
/// renews it through the same mounts and, by the deploy hook's marker,
/// reloads the NGINX container exactly when a certificate changed.
#[test]
fn certbot_in_its_image_obtains_and_renews_through_the_hosts_folders() {
    let root = common::temp_dir("acme-image");
    let http = free_port();
    let acme = Acme::start(&root.join("acme"), http, free_port());
    let host = root.join("c");
    let ca_root = host.join("etc/ssl/acme-root.pem");
    std::fs::create_dir_all(ca_root.parent().unwrap()).unwrap();
    std::fs::copy(&acme.api_root, &ca_root).unwrap();
    // The proxy's part: the webroot served over HTTP where pebble asks.
    let webroot = host.join("var/www/html");
    std::fs::create_dir_all(&webroot).unwrap();
    let mut web = common::Server(
        std::process::Command::new(common::require_tool("python3"))
            .args([
                "-m",
                "http.server",
                &http.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .args(["--directory", webroot.as_str()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    common::wait_for_port(http, "python3 -m http.server", &mut web.0);
    let text = format!(
        "defaults {{\n    site_root /srv\n    acme_email ops@example.org\n}}\n\
         host c {{\n    address 127.0.0.1\n    proxy nginx swarm\n    acme_ca {}\n    \
         acme_ca_root /etc/ssl/acme-root.pem\n}}\n\
         site s {{\n    domains s.example.org\n    on c\n    tls certbot\n    static\n}}\n\
         cron renew {{\n    builtin certbot-renew\n    schedule @daily\n    on c\n}}\n",
        acme.directory
    );
    let trees = common::hostile::build(&text, &root)
        .unwrap()
        .unwrap_or_else(|e| panic!("{e:?}"));
    common::verify::write(&root, &trees).unwrap();
    let request = &trees[0].manifest.certificates[0].command;
    assert!(request.contains("docker run"), "{request}");
    let shims = common::acme::shims(&root);
    let path = format!("{shims}:{}", std::env::var("PATH").unwrap_or_default());
    let run = |command: &mut std::process::Command| {
        let out = command.env("PATH", &path).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    };
    run(std::process::Command::new("bash").args(["-c", request]));

    let live = host.join("etc/letsencrypt/live/s.example.org");
    let issuing = acme.issuing_root_in(&root);
    let chain = live.join("fullchain.pem");
    let verified = std::process::Command::new(common::require_tool("openssl"))
        .args([
            "verify",
            "-CAfile",
            issuing.as_str(),
            "-untrusted",
            chain.as_str(),
        ])
        .arg(chain.as_str())
        .output()
        .unwrap();
    assert!(verified.status.success(), "{verified:?}");
    assert!(live.join("privkey.pem").exists());
    // Nothing of it in this machine's own folder.
    assert!(!std::path::Path::new("/etc/letsencrypt/live/s.example.org").exists());

    let serial = || {
        let out = std::process::Command::new("openssl")
            .args(["x509", "-noout", "-serial", "-in", chain.as_str()])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let reloads = || {
        std::fs::read_to_string(shims.join("docker-exec.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let renew = |forced: bool| {
        // certbot in the image reads its settings from its config folder.
        write_certbot_settings(&host.join("etc/letsencrypt"), forced);
        run(std::process::Command::new("bash")
            .arg(host.join("usr/local/lib/infrac/renew.sh").as_str()));
    };
    let first = serial();
    renew(false);
    assert_eq!(serial(), first);
    assert_eq!(reloads(), Vec::<String>::new(), "reloaded for nothing");
    renew(true);
    assert_ne!(serial(), first, "not renewed");
    assert_eq!(reloads(), vec!["proxy1 nginx -s reload".to_owned()]);
    assert!(!host.join("etc/letsencrypt/infrac-deploy").exists());
    renew(false);
    assert_eq!(reloads().len(), 1, "reloaded for nothing");
}

/// An NGINX host with `acme_ca` and `acme_ca_root` pointing at `acme`
/// (its root copied onto the host), its /var as on a real host, and a
/// certbot site `s`; the program written, nothing applied.
fn certbot_lab(name: &str) -> (Lab, u16, common::lab::Port, common::Server, Acme) {
    let lab = Lab::new(name);
    let https = free_port();
    let (decl, port, nginx) = lab.nginx_host(
        "n",
        &format!("    https_port {https}\n    acme_ca_root /etc/ssl/acme-root.pem\n"),
    );
    let acme = Acme::start(&lab.root.join("acme"), port.http, https);
    let host = lab.host("n");
    let on_host = host.join("etc/ssl/acme-root.pem");
    std::fs::create_dir_all(on_host.parent().unwrap()).unwrap();
    std::fs::copy(&acme.api_root, &on_host).unwrap();
    for dir in ["var/www/html", "var/lib", "var/log"] {
        std::fs::create_dir_all(host.join(dir)).unwrap();
    }
    lab.page("n", "s", "site s over https");
    std::fs::write(lab.root.join("decl"), decl).unwrap();
    (lab, https, port, nginx, acme)
}

/// The program of [`certbot_lab`] with the host's ACME directory `ca`.
fn certbot_program(lab: &Lab, ca: &str) -> String {
    certbot_sites(lab, ca, &["s".to_owned()])
}

/// The program of [`certbot_lab`] with the certbot sites `names`, each
/// with a certificate of its own for `NAME.example.org`.
fn certbot_sites(lab: &Lab, ca: &str, names: &[String]) -> String {
    let decl = std::fs::read_to_string(lab.root.join("decl")).unwrap();
    let decl = decl.replacen("}\n", &format!("    acme_ca {ca}\n}}\n"), 1);
    let mut program =
        format!("defaults {{\n    site_root /srv\n    acme_email ops@example.org\n}}\n{decl}");
    for name in names {
        program.push_str(&format!(
            "site {name} {{\n    domains {name}.example.org\n    on n\n    tls certbot\n    static\n}}\n"
        ));
    }
    program
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `infrac apply --all`, which must succeed.
fn applied_ok(lab: &Lab) -> std::process::Output {
    let o = lab.apply(&["--all"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    o
}

/// A fresh NGINX host whose site needs a certificate certbot has not
/// obtained yet: the plan says it will be requested, one apply serves HTTP,
/// obtains it from the program's ACME server and ends serving the site
/// over HTTPS with it; a second apply changes nothing.
#[test]
fn a_fresh_nginx_host_obtains_its_certificates_in_one_apply() {
    let (lab, https, _port, _nginx, acme) = certbot_lab("acme-bootstrap");
    lab.write(&certbot_program(&lab, &acme.directory));
    let plan = lab.plan(&["--all"]);
    let shown = String::from_utf8_lossy(&plan.stdout);
    assert!(
        shown.contains(
            "certificates to request first (certbot, serving HTTP meanwhile): s.example.org"
        ),
        "{shown}"
    );
    let first = applied_ok(&lab);
    assert!(
        stderr(&first).contains("obtained certificates s.example.org"),
        "{}",
        stderr(&first)
    );
    let root = acme.issuing_root_in(&lab.root);
    assert_eq!(
        get_https("s.example.org", https, &root, Duration::from_secs(10)),
        Ok((200, "site s over https".to_owned()))
    );
    let second = applied_ok(&lab);
    assert!(
        stderr(&second).contains("nothing to apply"),
        "{}",
        stderr(&second)
    );
}

/// The ACME server unreachable: the apply fails with certbot's own words,
/// the host serves the site over HTTP (its challenges, the redirect) and
/// nothing that needs the missing certificate; once the server answers,
/// the next apply goes on from there.
#[test]
fn a_failed_request_leaves_the_host_serving_http_and_the_next_apply_goes_on() {
    let (lab, https, port, _nginx, acme) = certbot_lab("acme-unreachable");
    let closed = free_port();
    lab.write(&certbot_program(
        &lab,
        &format!("https://127.0.0.1:{closed}/dir"),
    ));
    let failed = lab.apply(&["--all"]);
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));
    let err = stderr(&failed);
    assert!(
        err.contains("certbot could not obtain certificate `s.example.org`"),
        "{err}"
    );
    assert!(err.contains("Connection refused"), "{err}");
    // HTTP: the challenges' location and the redirect to HTTPS; no TLS
    // server (its file was not installed).
    assert_eq!(
        common::lab::get(port.http, "s.example.org", "/").0,
        308,
        "{err}"
    );
    let conf = lab.host("n").join("etc/nginx/conf.d");
    assert!(conf.join("s.conf").exists());
    assert!(!conf.join("s.tls.conf").exists());

    lab.write(&certbot_program(&lab, &acme.directory));
    applied_ok(&lab);
    let root = acme.issuing_root_in(&lab.root);
    assert_eq!(
        get_https("s.example.org", https, &root, Duration::from_secs(10)),
        Ok((200, "site s over https".to_owned()))
    );
}

/// A two-member NGINX pool behind round-robin DNS: the mock DNS names one
/// member while both request the site's certificate, so the other one's
/// challenge reaches the member that did not start it, which forwards it
/// (`acme_forward`). Both directions; each member ends serving the site
/// over HTTPS with its own certificate from pebble.
#[test]
fn both_members_of_a_pool_obtain_certificates_through_challenge_forwarding() {
    for named in ["a", "b"] {
        let pool = PoolLab::start(&format!("acme-pool-{named}"));
        pool.acme.resolve(
            "s.example.org",
            if named == "a" {
                "127.0.0.2"
            } else {
                "127.0.0.3"
            },
        );
        let ca = pool.acme.directory.clone();
        pool.write([ca.as_str(), ca.as_str()]);
        let applied = pool.lab.apply(&["--pool", "edge"]);
        assert_eq!(
            applied.status.code(),
            Some(0),
            "DNS naming {named}: {}",
            stderr(&applied)
        );
        let root = pool.acme.issuing_root_in(&pool.lab.root);
        for (host, https) in [("a", pool.https[0]), ("b", pool.https[1])] {
            assert_eq!(
                get_https("s.example.org", https, &root, Duration::from_secs(10)),
                Ok((200, format!("site s on {host}"))),
                "DNS naming {named}"
            );
        }
    }
}

/// A pool member whose request fails after the member before it obtained
/// its certificate and switched to the whole build: that one is put back
/// to serving HTTP for the challenges, and says so (not "its previous
/// configuration", which it no longer had); its certificate is kept, and
/// once the failing member's CA answers, one apply ends with both over
/// HTTPS.
#[test]
fn a_pool_member_put_back_after_obtaining_says_it_serves_http() {
    let pool = PoolLab::start("acme-pool-rollback");
    pool.acme.resolve("s.example.org", "127.0.0.2");
    let closed = format!("https://127.0.0.1:{}/dir", free_port());
    let ca = pool.acme.directory.clone();
    pool.write([ca.as_str(), closed.as_str()]);
    let failed = pool.lab.apply(&["--pool", "edge"]);
    let err = stderr(&failed);
    assert_eq!(failed.status.code(), Some(1), "{err}");
    assert!(err.contains("b: FAILED"), "{err}");
    assert!(
        err.contains(
            "a: rolled back to serving HTTP for the ACME challenges, keeping the certificates it obtained"
        ),
        "{err}"
    );
    for (host, port) in [("a", pool.ports[0]), ("b", pool.ports[1])] {
        assert_eq!(
            common::lab::get(port.http, "s.example.org", "/").0,
            308,
            "{host}: {err}"
        );
        let conf = pool.lab.host(host).join("etc/nginx/conf.d");
        assert!(!conf.join("s.tls.conf").exists(), "{host}: {err}");
    }
    let kept = pool
        .lab
        .host("a")
        .join("etc/letsencrypt/live/s.example.org/fullchain.pem");
    assert!(kept.exists(), "{err}");

    pool.write([ca.as_str(), ca.as_str()]);
    let applied = pool.lab.apply(&["--pool", "edge"]);
    assert_eq!(applied.status.code(), Some(0), "{}", stderr(&applied));
    let root = pool.acme.issuing_root_in(&pool.lab.root);
    for (host, https) in [("a", pool.https[0]), ("b", pool.https[1])] {
        assert_eq!(
            get_https("s.example.org", https, &root, Duration::from_secs(10)),
            Ok((200, format!("site s on {host}")))
        );
    }
}

/// Two NGINX hosts `a` and `b` in pool `edge` (challenge forwarding on),
/// each with an address of its own where pebble validates (127.0.0.2 and
/// .3, forwarded to its HTTP port), pebble's root on each, and the site
/// `s`'s page; the program is written by [`PoolLab::write`].
struct PoolLab {
    lab: Lab,
    acme: Acme,
    decls: [String; 2],
    ports: [common::lab::Port; 2],
    https: [u16; 2],
    _nginx: [common::Server; 2],
}

impl PoolLab {
    fn start(name: &str) -> PoolLab {
        let lab = Lab::new(name);
        let https = [free_port(), free_port()];
        let root_line = "    acme_ca_root /etc/ssl/acme-root.pem\n";
        let (decl_a, port_a, nginx_a) =
            lab.nginx_host("a", &format!("    https_port {}\n{root_line}", https[0]));
        let (decl_b, port_b, nginx_b) =
            lab.nginx_host("b", &format!("    https_port {}\n{root_line}", https[1]));
        // Pebble validates at the name's address on one port: each member
        // has an address of its own there.
        let challenge_port = free_port();
        common::acme::forward(&format!("127.0.0.2:{challenge_port}"), port_a.http);
        common::acme::forward(&format!("127.0.0.3:{challenge_port}"), port_b.http);
        let acme = Acme::start(&lab.root.join("acme"), challenge_port, free_port());
        for host in ["a", "b"] {
            let dir = lab.host(host);
            let on_host = dir.join("etc/ssl/acme-root.pem");
            std::fs::create_dir_all(on_host.parent().unwrap()).unwrap();
            std::fs::copy(&acme.api_root, &on_host).unwrap();
            for d in ["var/www/html", "var/lib", "var/log"] {
                std::fs::create_dir_all(dir.join(d)).unwrap();
            }
            lab.page(host, "s", &format!("site s on {host}"));
        }
        PoolLab {
            lab,
            acme,
            decls: [decl_a, decl_b],
            ports: [port_a, port_b],
            https,
            _nginx: [nginx_a, nginx_b],
        }
    }

    /// The pool's program, member `a` with ACME directory `cas[0]`, `b`
    /// with `cas[1]`.
    fn write(&self, cas: [&str; 2]) {
        let decl =
            |i: usize| self.decls[i].replacen("}\n", &format!("    acme_ca {}\n}}\n", cas[i]), 1);
        self.lab.write(&format!(
            "defaults {{\n    site_root /srv\n    acme_email ops@example.org\n}}\n{}{}\
             pool edge {{\n    hosts a b\n    acme_forward on\n}}\n\
             site s {{\n    domains s.example.org\n    on edge\n    tls certbot\n    static\n}}\n",
            decl(0),
            decl(1),
        ));
    }
}

/// The challenge refused: the mock DNS names an address nothing answers
/// on. The apply fails with what the CA said of the challenge, and the
/// host keeps serving what it served (its earlier site over HTTPS) and
/// the new site over HTTP only.
#[test]
fn a_refused_challenge_is_reported_with_the_cas_words_and_the_host_keeps_serving() {
    let (lab, https, port, _nginx, acme) = certbot_lab("acme-refused");
    lab.write(&certbot_program(&lab, &acme.directory));
    applied_ok(&lab);
    // A second site, whose name leads nowhere.
    acme.resolve("t.example.org", "192.0.2.1");
    lab.page("n", "t", "site t");
    let program = certbot_program(&lab, &acme.directory)
        + "site t {\n    domains t.example.org\n    on n\n    tls certbot\n    static\n}\n";
    lab.write(&program);
    let failed = lab.apply(&["--all"]);
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));
    let err = stderr(&failed);
    assert!(
        err.contains("certbot could not obtain certificate `t.example.org`"),
        "{err}"
    );
    // The CA's own account of the challenge.
    assert!(
        err.contains("Detail: ") && err.contains("192.0.2.1"),
        "{err}"
    );
    let root = acme.issuing_root_in(&lab.root);
    assert_eq!(
        get_https("s.example.org", https, &root, Duration::from_secs(10)),
        Ok((200, "site s over https".to_owned()))
    );
    assert_eq!(common::lab::get(port.http, "t.example.org", "/").0, 308);
    assert!(!lab.host("n").join("etc/nginx/conf.d/t.tls.conf").exists());
}

/// A webhook over TLS on an NGINX host needs certbot's certificate like a
/// site: the manifest requests it, its TLS server is a file apart, and the
/// files installed before the certificate exists — run by a real NGINX
/// with no certificate on disk — answer the webhook domain's ACME
/// challenges from the webroot and send everything else to HTTPS.
#[test]
fn a_webhook_on_nginx_is_served_over_http_for_its_challenges_until_its_certificate_exists() {
    let root = common::temp_dir("acme-webhook");
    let host_root = root.join("n");
    let (http, probe) = (free_port(), free_port());
    let text = format!(
        "defaults {{\n    acme_email ops@example.org\n}}\n\
         host n {{\n    address 127.0.0.1\n    proxy nginx\n    prefix {host_root}\n    http_port {http}\n    probe_port {probe}\n}}\n\
         site app {{\n    domains app.example.org\n    on n\n    tls certbot\n    static\n    subproject docs https://github.com/example/docs\n}}\n\
         webhook hooks {{\n    domain hooks.example.org\n    updates app\n    secret env HOOK_SECRET\n}}\n"
    );
    let sources = common::program(&[("main.infra", &text)]);
    let checked = infrac::program::analyze(&sources);
    assert!(
        checked.model.is_some(),
        "{}",
        common::human(&checked, &sources)
    );
    let model = checked.model.unwrap();
    let trees = infrac::render::render(&model).unwrap();
    let target = infrac::apply::Target::from_tree(&trees[0]).unwrap();
    let names: Vec<&str> = target
        .manifest
        .certificates
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["app.example.org", "hooks.example.org"]);
    let tls_file = "etc/nginx/conf.d/webhook-hooks.tls.conf";
    let marked = target.manifest.files.iter().find(|f| f.path == tls_file);
    assert_eq!(
        marked.and_then(|f| f.certificate.as_deref()),
        Some("hooks.example.org")
    );

    // What apply installs first: the files that need no certificate.
    let all: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let first = target.without_certificates(&all);
    assert!(!first.files.iter().any(|f| f.path == tls_file));
    for f in &first.files {
        let path = host_root.join(&f.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &f.content).unwrap();
    }
    let conf = common::write_nginx_conf(&host_root, host_root.join("error.log").as_str());
    let mut nginx = common::Server(
        std::process::Command::new(common::require_tool("nginx"))
            .args(["-c", conf.as_str(), "-g", "daemon off;"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    common::wait_for_port(http, "nginx", &mut nginx.0);
    let token = host_root.join("var/www/html/.well-known/acme-challenge/tok-1");
    std::fs::create_dir_all(token.parent().unwrap()).unwrap();
    std::fs::write(&token, "tok-1.key").unwrap();
    assert_eq!(
        common::lab::get(
            http,
            "hooks.example.org",
            "/.well-known/acme-challenge/tok-1"
        ),
        (200, "tok-1.key".to_owned())
    );
    assert_eq!(
        common::lab::get(http, "hooks.example.org", "/hooks/").0,
        308
    );
}

/// A bootstrap killed at every step never leaves the host broken, and the
/// next apply finishes it. The steps: each checkpoint of the host's script
/// in the HTTP-only apply (its first run) and in the full apply (its
/// second), and the client with its ssh while certbot runs. Each trial
/// adds a site with a certificate still to obtain to a host that serves
/// the earlier ones over HTTPS; after the kill, those are still served,
/// and one plain apply ends with every site over HTTPS, a clean plan and
/// nothing of the killed run left on the host.
#[test]
fn a_kill_at_every_step_of_a_bootstrap_leaves_the_host_serving_and_the_next_apply_converges() {
    let (lab, https, _port, _nginx, acme) = certbot_lab("acme-kills");
    let root = acme.issuing_root_in(&lab.root);
    let state = lab.host("n").join("var/lib/infrac");
    let mut sites = vec!["s".to_owned()];
    lab.write(&certbot_sites(&lab, &acme.directory, &sites));
    applied_ok(&lab);
    let serving = |sites: &[String], after: &str| {
        for s in sites {
            assert_eq!(
                get_https(
                    &format!("{s}.example.org"),
                    https,
                    &root,
                    Duration::from_secs(5)
                ),
                Ok((200, format!("site {s} over https"))),
                "{s} {after}"
            );
        }
    };
    let converges = |sites: &[String], after: &str| {
        let out = lab.apply(&["--all"]);
        assert_eq!(out.status.code(), Some(0), "{after}: {}", stderr(&out));
        serving(sites, after);
        let plan = lab.plan(&["--all"]);
        assert_eq!(plan.status.code(), Some(0), "{after}: plan");
        assert!(
            String::from_utf8_lossy(&plan.stdout).contains("up to date"),
            "{after}: {}",
            String::from_utf8_lossy(&plan.stdout)
        );
        assert_eq!(lab.leftovers("n"), Vec::<String>::new(), "{after}");
    };
    let add_site = |sites: &mut Vec<String>, name: String| {
        lab.page("n", &name, &format!("site {name} over https"));
        sites.push(name);
        lab.write(&certbot_sites(&lab, &acme.directory, sites));
    };
    // Each trial costs about 8 s, 3.6 of them certbot's own (it waits a
    // second before each poll of the CA): CI kills at every third
    // checkpoint (and where the walk ends), `INFRAC_BOOTSTRAP_KILL_STRIDE`
    // chooses, at every one by default.
    let stride: usize = std::env::var("INFRAC_BOOTSTRAP_KILL_STRIDE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if std::env::var_os("CI").is_some() {
            3
        } else {
            1
        });
    let mut kills = 0;
    for run in [1, 2] {
        for n in (1..).step_by(stride) {
            let start = std::time::Instant::now();
            add_site(&mut sites, format!("r{run}k{n}"));
            let _ = std::fs::remove_file(state.join("test-runs"));
            let config = lab.kill_config(&format!("{n}:script:{run}"));
            let out = common::infrac_command()
                .args(["apply", lab.sites.as_str(), "--all", "--yes"])
                .args(["--ssh-config", config.as_str(), "--proof-timeout", "4"])
                .output()
                .unwrap();
            let after = format!("after a kill of apply {run}'s script at checkpoint {n}");
            if std::fs::remove_file(state.join("test-killed")).is_err() {
                // Past the run's last checkpoint: nothing was killed.
                assert_eq!(out.status.code(), Some(0), "{after}: {}", stderr(&out));
                serving(&sites, &after);
                break;
            }
            kills += 1;
            // What a killed run may report: a failure, or (cut off after
            // its commit) the build it observes on the host.
            if out.status.success() {
                serving(&sites, &after);
            } else {
                serving(&sites[..sites.len() - 1], &after);
            }
            let killed = start.elapsed();
            converges(&sites, &after);
            eprintln!("{after}: {killed:?} then {:?}", start.elapsed());
        }
    }

    // The client and its ssh killed while certbot runs on the host.
    add_site(&mut sites, "certbot-killed".to_owned());
    let mut child = lab
        .command("apply", &["--all", "--yes", "--proof-timeout", "4"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = String::new();
    for line in std::io::BufRead::lines(std::io::BufReader::new(child.stderr.take().unwrap())) {
        let line = line.unwrap();
        said.push_str(&line);
        said.push('\n');
        if line.contains("requesting certificate certbot-killed.example.org") {
            for pid in common::procs::children_of(child.id()) {
                common::procs::kill(pid);
            }
            common::procs::kill(child.id());
            break;
        }
    }
    let status = child.wait().unwrap();
    assert!(!status.success(), "killed while certbot ran: {said}");
    let after = "after a kill of the client while certbot ran";
    serving(&sites[..sites.len() - 1], after);
    converges(&sites, after);
    eprintln!("{kills} kills of the host's script, one of the client");
    assert!(
        kills * stride >= 2 * 12,
        "{kills} kills: fewer checkpoints than expected"
    );
}
