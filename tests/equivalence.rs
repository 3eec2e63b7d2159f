//! The same sites, built once for a Caddy host and once for an NGINX host,
//! served by the real servers on loopback from the files infrac generated,
//! answer every request the same way — and the way the sites declare:
//! status, `Location` and body (bodies of redirects are not compared: no
//! browser shows them).

mod common;

use std::process::{Command, Stdio};

use camino::Utf8Path;

const CADDY_HTTP: u16 = 18080;
const CADDY_HTTPS: u16 = 18443;
const NGINX_HTTP: u16 = 28080;
const NGINX_HTTPS: u16 = 28443;

fn program(tmp: &Utf8Path, backend: u16, tls_backend: u16, receiver: u16) -> String {
    format!(
        r"
defaults {{
    site_root /srv
    tls off
}}

# GitHub's pushes, to a receiver that is not running here.
webhook hooks {{
    domain hooks.test
    path /gh/
    health /ping
    port 39999
    updates docs
    secret file /etc/infrac/webhook/{{repo}}.secret
}}

# The same, with the generated receiver running (started by the test).
webhook live {{
    domain live.test
    path /gh/
    health /ping
    port {receiver}
    updates docs
    secret file /etc/infrac/webhook/{{repo}}.secret
}}

host caddyhost {{
    address 127.0.0.1
    alias caddyhost.test
    proxy caddy
    caddy_admin localhost:12019
    probe_port 17707
    trusted_proxies 127.0.0.2 10.0.0.0/8
    http_port {CADDY_HTTP}
    https_port {CADDY_HTTPS}
    prefix {tmp}/caddy
    error_log /var/log/infrac/errors.log
}}

host nginxhost {{
    address 127.0.0.1
    alias nginxhost.test
    proxy nginx
    probe_port 27707
    trusted_proxies 127.0.0.2 10.0.0.0/8
    http_port {NGINX_HTTP}
    https_port {NGINX_HTTPS}
    prefix {tmp}/nginx
    error_log /var/log/infrac/errors.log
}}

# Docs: a static tree with a fallback tree, a subproject, redirects.
site docs {{
    domains docs.test {{host}}
    redirect_from www.docs.test
    on caddyhost nginxhost
    tls off
    subproject guide https://github.com/example/guide
    access_log off
    subproject old-tree https://github.com/example/old-tree {{
        serve no
    }}
    static {{
        try {{path}}.html {{path}} {{path}}/
        fallback old-tree
    }}
    redirect /objects.inv /stable/objects.inv
    # Never reached: the hidden `.git` comes first, on both.
    redirect /.git/HEAD /head.html
    redirect_first /users/* /stable/users/{{rest}} /3.5/users/{{rest}}
    redirect /blog/* /news/{{rest}} permanent unless_query legacy
    redirect /devel/* /devdocs/{{rest}} temporary unless_query reallystable=1
    rewrite /citing /cite.html
    error 404 /404.html
}}

# A gateway: every path under the backend's /app/.
site gw {{
    domains gw.test
    on caddyhost nginxhost
    tls off
    proxy http://127.0.0.1:{backend}/app/
}}

# An app: a backend for /api/, static files for the rest.
site app {{
    domains app.test
    on caddyhost nginxhost
    tls off
    proxy /api/* http://127.0.0.1:{backend}
    # The backend's path replaces what the route matched; `host` sets the
    # Host it is sent.
    proxy /strip/* http://127.0.0.1:{backend}/ host upstream.test
    proxy /v1api/* http://127.0.0.1:{backend}/v1/
    proxy /health http://127.0.0.1:{backend}/status
    # A backend whose certificate no CA signed: refused on both.
    proxy /tls/* https://127.0.0.1:{tls_backend}
    max_body 1k
    proxy_timeout 1s
    encode gzip
    static
    redirect /old /new temporary
    redirect /go/* https://example.org/{{rest}}
    access_log /var/log/infrac/app.access.log
}}

# On a round-robin pool of both: certbot's HTTP-01 challenges must be
# answered by whichever member the ACME server asks.
pool both {{
    hosts caddyhost nginxhost
}}

site pooled {{
    domains pool.test
    redirect_from www.pool.test
    on both
    tls certbot
    https_redirect 301
    acme_email admin@example.org
    static
}}

# certbot on each host alone: its challenges are its own.
site single {{
    domains single.test
    redirect_from www.single.test
    on caddyhost nginxhost
    tls certbot
    acme_email admin@example.org
    static
}}

# Named lists: matplotlib's old top-level folders, looked up over its old
# versions in one tree, and several patterns per route.
list versions 3.5 3.4
list old_dirs api users

site versioned {{
    domains versioned.test
    on caddyhost nginxhost
    tls off
    static
    redirect_first [/{{@old_dirs}} /{{@old_dirs}}/*] in versions /{{@versions}}{{path}}/index.html /{{@versions}}{{path}}.html /{{@versions}}{{path}}
    redirect /stable/devel/* /devdocs/devel/{{rest}}
    redirect [/3pp /3pp/* /thirdparty.html] /thirdpartypackages/ temporary
}}

site secure {{
    domains secure.test
    on caddyhost nginxhost
    tls files /etc/ssl/secure.pem /etc/ssl/secure.key
    redirect_from www.secure.test
    header X-Frame-Options DENY
    static
}}
"
    )
}

/// A page over the plan's `min_length` for compression (512 bytes).
const BIG: &str = concat!(
    "big page big page big page big page big page big page big page big page ",
    "big page big page big page big page big page big page big page big page ",
    "big page big page big page big page big page big page big page big page ",
    "big page big page big page big page big page big page big page big page ",
    "big page big page big page big page big page big page big page big page ",
    "big page big page big page big page big page big page big page big page ",
    "big page big page big page big page big page big page big page big page ",
    "big page big page big page big page big page big page big page big page ",
);

/// The files the sites serve, under a host's prefix.
fn fixture(prefix: &Utf8Path) {
    let files = [
        ("srv/docs/index.html", "docs home"),
        ("srv/docs/about.html", "about"),
        ("srv/docs/cite.html", "how to cite"),
        ("srv/docs/devel/x.html", "devel x"),
        ("srv/docs/404.html", "custom 404"),
        ("srv/docs/sub/index.html", "sub index"),
        ("srv/docs/blog/post.html", "old blog post"),
        ("srv/docs/.git/HEAD", "ref: refs/heads/main"),
        ("srv/docs/guide/index.html", "guide home"),
        ("srv/docs/guide/intro.html", "guide intro"),
        ("srv/docs/guide/deeper/index.html", "guide deeper"),
        ("srv/docs/empty/.keep", ""),
        ("srv/docs/guide/.git/config", "[core]"),
        ("srv/docs/old-tree/legacy.html", "legacy page"),
        ("srv/docs/old-tree/stable/users/a.html", "stable a"),
        ("srv/docs/old-tree/3.5/users/b.html", "old b"),
        ("srv/app/index.html", "app home"),
        ("srv/app/style.css", "body {}"),
        ("srv/app/big.html", BIG),
        ("srv/secure/index.html", "secure home"),
        ("srv/versioned/index.html", "versioned home"),
        ("srv/versioned/versions/3.5/api/a.html", "3.5 a"),
        ("srv/versioned/versions/3.4/api/a.html", "3.4 a"),
        (
            "srv/versioned/versions/3.5/api/c/index.html",
            "3.5 c folder",
        ),
        ("srv/versioned/versions/3.5/api/c.html", "3.5 c page"),
        (
            "srv/versioned/versions/3.4/api/d/index.html",
            "3.4 d folder",
        ),
        ("srv/versioned/versions/3.4/users/old.html", "3.4 old"),
        ("srv/versioned/versions/3.4/users/raw", "raw file"),
        ("srv/versioned/versions/3.4/api/index.html", "3.4 api index"),
        ("srv/pooled/index.html", "pool home"),
    ];
    for (path, body) in files {
        let path = prefix.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    // The logs' folder (NGINX does not make it).
    std::fs::create_dir_all(prefix.join("var/log/infrac")).unwrap();
    common::self_signed(
        prefix.join("etc/ssl/secure.pem").as_std_path(),
        prefix.join("etc/ssl/secure.key").as_std_path(),
    );
    for name in ["pool.test", "single.test"] {
        let live = prefix.join("etc/letsencrypt/live").join(name);
        common::self_signed(
            live.join("fullchain.pem").as_std_path(),
            live.join("privkey.pem").as_std_path(),
        );
    }
    // Each member holds the token of the challenge it started itself.
    let name = prefix.file_name().unwrap();
    let token = prefix
        .join("var/www/html/.well-known/acme-challenge")
        .join(format!("only-{name}"));
    std::fs::create_dir_all(token.parent().unwrap()).unwrap();
    std::fs::write(token, format!("token from {name}")).unwrap();
}

#[derive(Debug, PartialEq, Eq)]
struct Response {
    status: u16,
    location: Option<String>,
    body: String,
    /// `Content-Encoding`.
    encoding: Option<String>,
    /// `X-Frame-Options` (the header a site sets).
    frame: Option<String>,
}

/// Status 0: the TLS handshake was refused.
fn request(tmp: &Utf8Path, case: &Case, ports: (u16, u16)) -> Response {
    let (method, host, https, path) = (case.method, case.host, case.https, case.path);
    let port = if https { ports.1 } else { ports.0 };
    let scheme = if https { "https" } else { "http" };
    let headers = tmp.join("headers");
    let body = tmp.join("body");
    let mut curl = Command::new("curl");
    for h in case.headers {
        curl.arg("-H").arg(h);
    }
    if let Some(source) = case.source {
        curl.arg("--interface").arg(source);
    }
    if case.gzip {
        curl.arg("--compressed");
    }
    if case.send > 0 {
        let data = tmp.join("data");
        std::fs::write(&data, "x".repeat(case.send)).unwrap();
        curl.arg("--data-binary").arg(format!("@{data}"));
    }
    // curl's `-X HEAD` would wait for the body the headers announce.
    if method == "HEAD" {
        curl.arg("--head");
    } else {
        curl.arg("-X").arg(method);
    }
    let out = curl
        .args([
            "-s",
            "-k",
            "--max-time",
            "10",
            "-D",
            headers.as_str(),
            "-o",
            body.as_str(),
        ])
        .arg("--resolve")
        .arg(format!("{host}:{port}:127.0.0.1"))
        .arg(format!("{scheme}://{host}:{port}{path}"))
        .output()
        .unwrap();
    // 35: the TLS handshake failed.
    if https && out.status.code() == Some(35) {
        return Response {
            status: 0,
            location: None,
            body: String::new(),
            encoding: None,
            frame: None,
        };
    }
    assert!(
        out.status.success(),
        "curl {scheme}://{host}:{port}{path} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let headers = std::fs::read_to_string(&headers).unwrap();
    let status = headers.split_whitespace().nth(1).unwrap().parse().unwrap();
    let header = |name: &str| common::header(&headers, name);
    let location = header("location")
        // Each server has its own port: compare the rest.
        .map(|l| {
            l.replace(&format!(":{}", ports.0), ":HTTP")
                .replace(&format!(":{}", ports.1), ":HTTPS")
        });
    let body = if (300..400).contains(&status) || method == "HEAD" {
        String::new()
    } else {
        std::fs::read_to_string(&body)
            .unwrap_or_default()
            .replace(&format!(":{}", ports.0), ":HTTP")
    };
    Response {
        status,
        location,
        body,
        encoding: header("content-encoding"),
        frame: header("x-frame-options"),
    }
}

struct Case {
    /// The address the request comes from (`None`: 127.0.0.1).
    source: Option<&'static str>,
    host: &'static str,
    https: bool,
    method: &'static str,
    path: &'static str,
    status: u16,
    location: Option<&'static str>,
    body: &'static str,
    headers: &'static [&'static str],
    /// Bytes of request body to send.
    send: usize,
    /// Accepts gzip (`curl --compressed`).
    gzip: bool,
    encoding: Option<&'static str>,
    frame: Option<&'static str>,
}

impl Case {
    fn with_body(self, send: usize) -> Case {
        Case { send, ..self }
    }
}

const fn get(host: &'static str, path: &'static str, status: u16, body: &'static str) -> Case {
    Case {
        source: None,
        host,
        https: false,
        method: "GET",
        path,
        status,
        location: None,
        body,
        headers: &[],
        send: 0,
        gzip: false,
        encoding: None,
        frame: None,
    }
}

const fn redirect(
    host: &'static str,
    path: &'static str,
    status: u16,
    location: &'static str,
) -> Case {
    Case {
        source: None,
        host,
        https: false,
        method: "GET",
        path,
        status,
        location: Some(location),
        body: "",
        headers: &[],
        send: 0,
        gzip: false,
        encoding: None,
        frame: None,
    }
}

fn cases(backend: u16) -> Vec<Case> {
    // What a backend at 127.0.0.1:PORT is told, as `/forwarded` shows it.
    let told = |what: &str| -> &'static str {
        Box::leak(format!("{what} sent=127.0.0.1:{backend}").into_boxed_str())
    };
    let spoofing: &'static [&'static str] = &[
        "X-Forwarded-For: 203.0.113.66",
        "X-Forwarded-Proto: https",
        "X-Forwarded-Host: evil.test",
    ];
    vec![
        // Compression, as the plan says: text over 512 bytes, for a client
        // that accepts it; small files and clients that do not, plain.
        Case {
            gzip: true,
            encoding: Some("gzip"),
            ..get("app.test", "/big.html", 200, BIG)
        },
        Case {
            gzip: true,
            ..get("app.test", "/style.css", 200, "body {}")
        },
        get("app.test", "/big.html", 200, BIG),
        // A TLS site's redirect_from name, over HTTP (NGINX answered 421:
        // its alias server checked SNI on plain connections too) and TLS.
        redirect(
            "www.secure.test",
            "/a?b=1",
            301,
            "https://secure.test:HTTPS/a?b=1",
        ),
        Case {
            https: true,
            ..redirect("www.secure.test", "/a", 301, "https://secure.test:HTTPS/a")
        },
        // Forwarding headers: from anyone but a trusted proxy, a client's
        // own are replaced by what the server saw; from a trusted one
        // (127.0.0.2 here), passed on, For extended with the peer. A URL
        // backend gets its own name as Host.
        Case {
            headers: spoofing,
            ..get(
                "app.test",
                "/api/forwarded",
                200,
                told("for=127.0.0.1 proto=http host=app.test:HTTP"),
            )
        },
        Case {
            source: Some("127.0.0.2"),
            headers: spoofing,
            ..get(
                "app.test",
                "/api/forwarded",
                200,
                told("for=203.0.113.66, 127.0.0.2 proto=https host=evil.test"),
            )
        },
        Case {
            source: Some("127.0.0.2"),
            ..get(
                "app.test",
                "/api/forwarded",
                200,
                told("for=127.0.0.2 proto=http host=app.test:HTTP"),
            )
        },
        // An https backend's certificate is verified on both: a
        // self-signed one is a 502, never served.
        get("app.test", "/tls/x", 502, "502 Bad Gateway"),
        // Static files, try_files candidates, the fallback tree.
        get("docs.test", "/", 200, "docs home"),
        get("docs.test", "/about", 200, "about"),
        get("docs.test", "/about.html", 200, "about"),
        get("docs.test", "/sub/", 200, "sub index"),
        // A folder asked for without its slash: to the slashed URL (the
        // page's relative links resolve inside it), query kept, 308.
        redirect("docs.test", "/sub", 308, "/sub/"),
        redirect("docs.test", "/sub?q=1", 308, "/sub/?q=1"),
        redirect("docs.test", "/guide/deeper", 308, "/guide/deeper/"),
        get("docs.test", "/guide/deeper/", 200, "guide deeper"),
        // A folder without an index: a plain 404 on both (no 403).
        get("docs.test", "/empty/", 404, "custom 404"),
        get("docs.test", "/empty", 404, "custom 404"),
        // Paths are case-sensitive, as files are named (Caddy's `path`
        // matcher is not); percent-escapes and doubled slashes are read
        // decoded and merged.
        get("docs.test", "/About", 404, "custom 404"),
        get("docs.test", "/Guide/intro", 404, "custom 404"),
        get("docs.test", "/%61bout", 200, "about"),
        get("docs.test", "/guide//intro", 200, "guide intro"),
        redirect("docs.test", "//blog/post", 301, "/news/post"),
        get("app.test", "/API/users", 404, "404 Not Found"),
        get("app.test", "/%61pi/x", 200, "backend GET /%61pi/x"),
        get("docs.test", "/sub/index.html", 200, "sub index"),
        get("docs.test", "/legacy", 200, "legacy page"),
        get("docs.test", "/stable/users/a.html", 200, "stable a"),
        get("docs.test", "/3.5/users/b.html", 200, "old b"),
        // Misses and the custom 404.
        get("docs.test", "/missing", 404, "custom 404"),
        get("docs.test", "/missing/deeper.html", 404, "custom 404"),
        // Hidden `.git` anywhere.
        get("docs.test", "/.git/HEAD", 404, "custom 404"),
        get("docs.test", "/guide/.git/config", 404, "custom 404"),
        // The subproject and its trailing-slash redirect.
        redirect("docs.test", "/guide", 308, "/guide/"),
        get("docs.test", "/guide/", 200, "guide home"),
        get("docs.test", "/guide/intro", 200, "guide intro"),
        get("docs.test", "/guide/intro.html", 200, "guide intro"),
        get("docs.test", "/guide/nothing", 404, "custom 404"),
        // Redirects: plain, first existing candidate, unless a query parameter.
        redirect("docs.test", "/objects.inv", 301, "/stable/objects.inv"),
        redirect("docs.test", "/users/a.html", 302, "/stable/users/a.html"),
        redirect("docs.test", "/users/b.html", 302, "/3.5/users/b.html"),
        get("docs.test", "/users/none.html", 404, "custom 404"),
        redirect("docs.test", "/blog/post", 301, "/news/post"),
        // The query is kept unless the target sets one (matplotlib's
        // `redir * /devdocs{uri}` after a strip).
        redirect("docs.test", "/blog/post?x=1", 301, "/news/post?x=1"),
        redirect("docs.test", "/blog/post?legacy=", 301, "/news/post?legacy="),
        redirect("app.test", "/go/a?q=1", 301, "https://example.org/a?q=1"),
        redirect("docs.test", "/guide?q=1", 308, "/guide/?q=1"),
        // `unless_query NAME=VALUE`: only that value keeps the page.
        get("docs.test", "/devel/x?reallystable=1", 200, "devel x"),
        redirect(
            "docs.test",
            "/devel/x?reallystable=0",
            302,
            "/devdocs/x?reallystable=0",
        ),
        redirect("docs.test", "/devel/x", 302, "/devdocs/x"),
        get("docs.test", "/blog/post?legacy=1", 200, "old blog post"),
        // A rewrite.
        get("docs.test", "/citing", 200, "how to cite"),
        // A lookup over a list of versions in one tree: versions in order,
        // and in each, the folder's index, the page, the file.
        redirect("versioned.test", "/api/a", 302, "/3.5/api/a.html"),
        redirect("versioned.test", "/api/c", 302, "/3.5/api/c/index.html"),
        redirect("versioned.test", "/api/d", 302, "/3.4/api/d/index.html"),
        redirect(
            "versioned.test",
            "/users/old?x=1",
            302,
            "/3.4/users/old.html?x=1",
        ),
        redirect("versioned.test", "/users/raw", 302, "/3.4/users/raw"),
        // The bare folder is one of the patterns: its own index.
        redirect("versioned.test", "/api", 302, "/3.4/api/index.html"),
        // Nothing in any version: what the path falls through to.
        get("versioned.test", "/api/none", 404, "404 Not Found"),
        get("versioned.test", "/users", 404, "404 Not Found"),
        get("versioned.test", "/", 200, "versioned home"),
        // A subtree's redirect takes its bare prefix, and the query is kept
        // through the prefix strip.
        redirect(
            "versioned.test",
            "/stable/devel/?x=1",
            301,
            "/devdocs/devel/?x=1",
        ),
        redirect(
            "versioned.test",
            "/stable/devel/a/b?x=1&y=2",
            301,
            "/devdocs/devel/a/b?x=1&y=2",
        ),
        redirect("versioned.test", "/stable/devel", 301, "/devdocs/devel/"),
        redirect(
            "versioned.test",
            "/stable/devel?q",
            301,
            "/devdocs/devel/?q",
        ),
        // Several patterns, one route.
        redirect("versioned.test", "/3pp", 302, "/thirdpartypackages/"),
        redirect("versioned.test", "/3pp/x/y", 302, "/thirdpartypackages/"),
        redirect(
            "versioned.test",
            "/thirdparty.html?a=1",
            302,
            "/thirdpartypackages/?a=1",
        ),
        get("versioned.test", "/3ppx", 404, "404 Not Found"),
        // redirect_from, keeping path and query.
        redirect(
            "www.docs.test",
            "/any/page?q=1",
            301,
            "http://docs.test:HTTP/any/page?q=1",
        ),
        redirect("www.docs.test", "/", 301, "http://docs.test:HTTP/"),
        // The app: proxied paths with their query, static files, redirects.
        get("app.test", "/", 200, "app home"),
        get("app.test", "/style.css", 200, "body {}"),
        get("app.test", "/index.html", 200, "app home"),
        get(
            "app.test",
            "/api/users?id=3",
            200,
            "backend GET /api/users?id=3",
        ),
        get("app.test", "/api/", 200, "backend GET /api/"),
        get(
            "app.test",
            "/api/deep/path/",
            200,
            "backend GET /api/deep/path/",
        ),
        Case {
            method: "POST",
            ..get("app.test", "/api/items", 200, "backend POST /api/items")
        },
        // `/api/*` is the subtree: its bare `/api` reaches the backend too.
        get("app.test", "/api", 200, "backend GET /api"),
        get("app.test", "/api?id=1", 200, "backend GET /api?id=1"),
        get("app.test", "/nope", 404, "404 Not Found"),
        redirect("app.test", "/old", 302, "/new"),
        redirect("app.test", "/go/x", 301, "https://example.org/x"),
        redirect("app.test", "/go/a/b", 301, "https://example.org/a/b"),
        // TLS: HTTP to HTTPS (308 unless the site says otherwise: a POST
        // stays a POST), then served.
        redirect("secure.test", "/", 308, "https://secure.test:HTTPS/"),
        redirect(
            "secure.test",
            "/x?y=1",
            308,
            "https://secure.test:HTTPS/x?y=1",
        ),
        Case {
            method: "POST",
            ..redirect(
                "secure.test",
                "/form",
                308,
                "https://secure.test:HTTPS/form",
            )
        },
        redirect("pool.test", "/a?b=c", 301, "https://pool.test:HTTPS/a?b=c"),
        // ACME challenges on a pool: a token is served by the member that
        // has it, whichever member is asked (the other forwards once); on
        // the site's names and its redirect_from names alike; a missing
        // token is a plain 404 (NGINX's alias server sent its HTML page).
        get(
            "pool.test",
            "/.well-known/acme-challenge/only-caddy",
            200,
            "token from caddy",
        ),
        get(
            "pool.test",
            "/.well-known/acme-challenge/only-nginx",
            200,
            "token from nginx",
        ),
        get(
            "www.pool.test",
            "/.well-known/acme-challenge/only-nginx",
            200,
            "token from nginx",
        ),
        get(
            "www.pool.test",
            "/.well-known/acme-challenge/none",
            404,
            "404 Not Found",
        ),
        get(
            "www.single.test",
            "/.well-known/acme-challenge/none",
            404,
            "404 Not Found",
        ),
        get(
            "pool.test",
            "/.well-known/acme-challenge/none",
            404,
            "404 Not Found",
        ),
        // A site's header on every answer, errors too.
        Case {
            https: true,
            frame: Some("DENY"),
            ..get("secure.test", "/", 200, "secure home")
        },
        Case {
            https: true,
            frame: Some("DENY"),
            ..get("secure.test", "/missing", 404, "404 Not Found")
        },
        // A name no site serves: never another site's content. Over HTTP
        // a 404; over TLS the handshake is refused (no certificate of
        // another name is shown); a request whose Host is not the name
        // its TLS connection was made for is misdirected.
        get("unknown.test", "/", 404, "404 Not Found"),
        get("unknown.test", "/api/x", 404, "404 Not Found"),
        Case {
            https: true,
            ..get("unknown.test", "/", 0, "")
        },
        Case {
            https: true,
            headers: &["Host: app.test"],
            ..get("secure.test", "/", 421, "421 Misdirected Request")
        },
        // A client's own X-Forwarded-For is not passed on as true: the
        // backend sees the address the proxy saw.
        Case {
            headers: &["X-Forwarded-For: 203.0.113.66"],
            ..get("app.test", "/api/xff", 200, "backend sees 127.0.0.1")
        },
        get("app.test", "/api/xff", 200, "backend sees 127.0.0.1"),
        // A prefix stripped: the rest as sent (still encoded), the query
        // kept; the bare prefix is the backend's folder.
        get("app.test", "/strip/a/b?x=1", 200, "backend GET /a/b?x=1"),
        get(
            "app.test",
            "/strip/a%3Fb?x=1",
            200,
            "backend GET /a%3Fb?x=1",
        ),
        get("app.test", "/strip/a%20b", 200, "backend GET /a%20b"),
        // Doubled slashes merged, as matched. (Escapes of unreserved
        // characters differ: Caddy keeps `%31`, NGINX sends `1`; the
        // behaviour generator compares those paths decoded.)
        get("app.test", "/strip/a//b", 200, "backend GET /a/b"),
        get("app.test", "/strip", 200, "backend GET /"),
        get("app.test", "/strip?x=1", 200, "backend GET /?x=1"),
        get(
            "app.test",
            "/strip/forwarded",
            200,
            "for=127.0.0.1 proto=http host=app.test:HTTP sent=upstream.test",
        ),
        get(
            "app.test",
            "/v1api/items?q=2",
            200,
            "backend GET /v1/items?q=2",
        ),
        get("app.test", "/v1api", 200, "backend GET /v1/"),
        get(
            "app.test",
            "/health?probe=1",
            200,
            "backend GET /status?probe=1",
        ),
        get("gw.test", "/", 200, "backend GET /app/"),
        get(
            "gw.test",
            "/x/a%3Fb?q=1",
            200,
            "backend GET /app/x/a%3Fb?q=1",
        ),
        // Limits, stated on both: a body over `max_body` is refused, a
        // backend silent for longer than `proxy_timeout` is given up on.
        Case {
            method: "POST",
            body: "backend POST /api/items",
            ..get("app.test", "/api/items", 200, "")
        }
        .with_body(1000),
        Case {
            method: "POST",
            ..get(
                "app.test",
                "/api/items",
                413,
                "413 Request Entity Too Large",
            )
        }
        .with_body(2000),
        get("app.test", "/api/slow", 504, "504 Gateway Timeout"),
        // A webhook: only what looks like GitHub's reaches the receiver;
        // the rest is 404, and the receiver's own failure a plain 400.
        get("hooks.test", "/gh/", 404, "404 Not Found"),
        get("hooks.test", "/", 404, "404 Not Found"),
        Case {
            method: "POST",
            headers: &["Content-Type: application/json"],
            ..get("hooks.test", "/gh/", 404, "404 Not Found")
        },
        Case {
            method: "POST",
            headers: &[
                "Content-Type: application/json",
                "User-Agent: GitHub-Hookshot/abc123",
                "X-GitHub-Event: push",
                "X-GitHub-Delivery: 72d3162e",
                "X-Hub-Signature-256: sha256=00",
            ],
            ..get("hooks.test", "/gh/", 400, "400 Bad Request")
        },
        // The health check: `200 ok` from a running receiver, 503 when it
        // does not run; only GET and HEAD, only that exact path.
        get("hooks.test", "/ping", 503, "503 Service Unavailable"),
        get("live.test", "/ping", 200, "ok\n"),
        get("live.test", "/ping?from=monitor", 200, "ok\n"),
        // Matched as the proxies match every path: decoded, slashes merged.
        get("live.test", "/p%69ng", 200, "ok\n"),
        get("live.test", "//ping", 200, "ok\n"),
        Case {
            method: "HEAD",
            ..get("live.test", "/ping", 200, "")
        },
        Case {
            method: "POST",
            ..get("live.test", "/ping", 404, "404 Not Found")
        },
        get("live.test", "/PING", 404, "404 Not Found"),
        get("live.test", "/ping/", 404, "404 Not Found"),
        get("live.test", "/gh/guide", 404, "404 Not Found"),
        // A running receiver refuses a bad signature; the client sees 400.
        Case {
            method: "POST",
            headers: &[
                "Content-Type: application/json",
                "User-Agent: GitHub-Hookshot/abc123",
                "X-GitHub-Event: push",
                "X-GitHub-Delivery: 72d3162e",
                "X-Hub-Signature-256: sha256=00",
            ],
            ..get("live.test", "/gh/guide", 400, "400 Bad Request")
        },
        // Another TLS site's name over this one's connection.
        Case {
            https: true,
            headers: &["Host: pool.test"],
            ..get("secure.test", "/", 421, "421 Misdirected Request")
        },
    ]
}

/// An HTTPS server with a self-signed certificate (`openssl s_server`).
fn tls_backend(tmp: &Utf8Path) -> (common::Server, u16) {
    let (cert, key) = (tmp.join("backend.pem"), tmp.join("backend.key"));
    common::self_signed(cert.as_std_path(), key.as_std_path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(common::require_tool("openssl"))
        .args(["s_server", "-quiet", "-www", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-cert", cert.as_str(), "-key", key.as_str()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    common::wait_for_port(port, "openssl s_server", &mut child);
    (common::Server(child), port)
}

#[test]
fn caddy_and_nginx_serve_the_same_site_the_same_way() {
    common::require_tool("caddy");
    let nginx = common::require_tool("nginx");
    common::require_tool("curl");
    let tmp = common::temp_dir("equivalence");
    let backend_port = common::behaviour::backend();
    let tls_backend = tls_backend(&tmp);
    // The `live` webhook's receiver: a port free now (a fixed one may be
    // some client's ephemeral port), which the receiver binds soon after.
    let receiver_port = common::lab::free_port();
    let dir = tmp.join("sites");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("sites.infra"),
        program(&tmp, backend_port, tls_backend.1, receiver_port),
    )
    .unwrap();
    let sources = infrac::program::load_dir(&dir).unwrap();
    let checked = infrac::program::analyze(&sources);
    let model = checked
        .model
        .unwrap_or_else(|| panic!("{:#?}", checked.diagnostics));
    let trees = infrac::render::render(&model).unwrap();
    let builds: Vec<(String, String)> = trees
        .iter()
        .map(|t| {
            let proof = t.manifest.proof.clone().expect("a proxy host has a proof");
            (proof.url, proof.build)
        })
        .collect();
    for tree in trees {
        let prefix = tmp.join(tree.host.trim_end_matches("host"));
        for f in &tree.files {
            let path = prefix.join(&f.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, &f.content).unwrap();
        }
    }
    for p in ["caddy", "nginx"] {
        fixture(&tmp.join(p));
    }

    for port in [CADDY_HTTP, CADDY_HTTPS, NGINX_HTTP, NGINX_HTTPS] {
        common::assert_port_free(port);
    }
    // The `live` webhook's receiver, as its unit would start it.
    let caddy_root = tmp.join("caddy");
    let mut receiver = Command::new(common::require_tool("python3"))
        .arg(caddy_root.join(infrac::layout::WEBHOOK_RECEIVER))
        .arg(caddy_root.join(infrac::layout::webhook_hooks("live")))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    common::wait_for_port(receiver_port, "webhook receiver", &mut receiver);
    let _receiver = common::Server(receiver);
    let caddyfile = tmp.join("caddy/etc/caddy/Caddyfile");
    let mut caddy_child = common::spawn_caddy(&caddyfile, &tmp);
    common::wait_for_port(CADDY_HTTP, "caddy", &mut caddy_child);
    common::wait_for_port(CADDY_HTTPS, "caddy", &mut caddy_child);
    let _caddy = common::Server(caddy_child);

    let nginx_root = tmp.join("nginx");
    let conf = common::write_nginx_conf(&nginx_root, nginx_root.join("error.log").as_str());
    let mut nginx_child = Command::new(nginx)
        .args(["-c", conf.as_str(), "-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    common::wait_for_port(NGINX_HTTP, "nginx", &mut nginx_child);
    common::wait_for_port(NGINX_HTTPS, "nginx", &mut nginx_child);
    let _nginx = common::Server(nginx_child);

    // Each server answers the build id its manifest promises, on loopback.
    for (url, build) in &builds {
        let out = Command::new("curl")
            .args(["-s", "--max-time", "5", url])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), *build, "{url}");
    }
    assert_ne!(
        builds[0].1, builds[1].1,
        "Caddy and NGINX configs differ, so do their ids"
    );

    let cases = cases(backend_port);
    let hosts: std::collections::BTreeSet<&str> = cases
        .iter()
        .map(|c| c.host.trim_start_matches("www."))
        .collect();
    assert!(cases.len() >= 40 && hosts.len() >= 3);
    let mut failures = Vec::new();
    for case in &cases {
        let expected = Response {
            status: case.status,
            location: case.location.map(str::to_owned),
            body: case.body.to_owned(),
            encoding: case.encoding.map(str::to_owned),
            frame: case.frame.map(str::to_owned),
        };
        let from_caddy = request(&tmp, case, (CADDY_HTTP, CADDY_HTTPS));
        let from_nginx = request(&tmp, case, (NGINX_HTTP, NGINX_HTTPS));
        for (server, got) in [("caddy", &from_caddy), ("nginx", &from_nginx)] {
            if *got != expected {
                failures.push(format!(
                    "{server} {} {}{}: expected {expected:?}, got {got:?}",
                    case.method, case.host, case.path
                ));
            }
        }
    }
    // Logs: each request to `app` is a line of its access log, with its
    // path. The error log holds errors only: NGINX's has the stopped
    // receiver's refused connection; Caddy's, its own errors (an upstream
    // error it answers with a page is logged at debug, not there).
    for server in ["caddy", "nginx"] {
        let log = |name: &str| {
            std::fs::read_to_string(tmp.join(server).join("var/log/infrac").join(name))
                .unwrap_or_default()
        };
        let access = log("app.access.log");
        for path in ["/api/items", "/style.css"] {
            if !access.lines().any(|l| l.contains(path)) {
                failures.push(format!("{server}: {path} is not in app's access log"));
            }
        }
        if access.contains("/guide/") {
            failures.push(format!("{server}: docs' requests are in app's access log"));
        }
        // `access_log off`: docs' requests are in no log, where NGINX
        // would otherwise log them (its `http` block logs to access.log,
        // and sites that say nothing are in it). Caddy logs no access
        // unless told.
        if server == "nginx" {
            let default = std::fs::read_to_string(tmp.join("nginx/access.log")).unwrap_or_default();
            if !default.contains("/.well-known/acme-challenge/") {
                failures.push(format!(
                    "nginx: the http block's access log is empty:\n{default}"
                ));
            }
            if default.contains("/guide/") {
                failures.push(
                    "nginx: docs' requests (access_log off) are in the access log".to_owned(),
                );
            }
        }
        let errors = log("errors.log");
        let wanted = if server == "nginx" {
            errors.to_lowercase().contains("connection refused")
        } else {
            tmp.join("caddy/var/log/infrac/errors.log").exists()
                && errors.lines().all(|l| l.contains(r#""level":"error""#))
        };
        if !wanted {
            failures.push(format!("{server}: errors.log is not the errors:\n{errors}"));
        }
    }
    // `{host}`: each server also answers on its own host's name, and only
    // on its own.
    for (server, ports, own, other) in [
        (
            "caddy",
            (CADDY_HTTP, CADDY_HTTPS),
            "caddyhost.test",
            "nginxhost.test",
        ),
        (
            "nginx",
            (NGINX_HTTP, NGINX_HTTPS),
            "nginxhost.test",
            "caddyhost.test",
        ),
    ] {
        for (host, status, body) in [(own, 200, "docs home"), (other, 404, "404 Not Found")] {
            let got = request(&tmp, &get(host, "/", status, body), ports);
            if (got.status, got.body.as_str()) != (status, body) {
                failures.push(format!("{server} GET {host}/: got {got:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} requests differ:\n{}",
        failures.len(),
        cases.len() * 2,
        failures.join("\n")
    );
}
