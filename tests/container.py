"""Docker for the container test: whether a daemon answers, and the Dockerfile's base image.
No image registry is reachable from here, so the official base (`debian:bookworm-slim`, the
Dockerfile's FROM) is built locally from Debian's packages with debootstrap and tagged as such;
it carries this machine's CA certificates, so a build behind a proxy that re-signs HTTPS can
still download uv and the wheels."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

BASE = "debian:bookworm-slim"
MIRROR = "http://deb.debian.org/debian"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
LOCAL_CAS = Path("/usr/local/share/ca-certificates")


def docker(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout,
                          check=check)


def docker_ready() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return docker("info", timeout=30, check=False).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def ensure_base() -> None:
    """The Dockerfile's FROM image, made with debootstrap unless it is already there."""
    if docker("image", "inspect", BASE, check=False).returncode == 0:
        return
    assert shutil.which("debootstrap"), "building the base image needs: apt-get install debootstrap"
    with tempfile.TemporaryDirectory(prefix="debian-base-") as directory:
        root = Path(directory) / "rootfs"
        subprocess.run(["debootstrap", "--variant=minbase", "bookworm", str(root), MIRROR],
                       check=True, capture_output=True, timeout=900)
        import_base(root)


# What Debian's slim images leave out, now and in every package installed later.
SLIM_EXCLUDES = ("/usr/share/doc/*", "/usr/share/man/*", "/usr/share/info/*",
                 "/usr/share/locale/*", "/usr/share/groff/*", "/usr/share/lintian/*")


def import_base(root: Path) -> None:
    """A debootstrapped tree as the base image, trimmed as Debian's slim images are, with this
    machine's CA certificates."""
    for pattern in ("var/cache/apt/archives/*.deb", "var/lib/apt/lists/*",
                    *(p.lstrip("/") for p in SLIM_EXCLUDES)):
        for path in root.glob(pattern):
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    (root / "etc/dpkg/dpkg.cfg.d/slim").write_text(
        "".join(f"path-exclude {p}\n" for p in SLIM_EXCLUDES))
    (root / "etc/apt/apt.conf.d/slim").write_text(  # no package caches left in a layer
        'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n'
        'APT::Keep-Downloaded-Packages "false";\n')
    (root / "etc/apt/sources.list").write_text("".join(  # with security updates, as Debian's
        f"deb http://{host}/debian{suffix} {suite} main\n" for host, suffix, suite in (
            ("deb.debian.org", "", "bookworm"), ("deb.debian.org", "", "bookworm-updates"),
            ("deb.debian.org", "-security", "bookworm-security"))))
    if CA_BUNDLE.exists():
        (root / CA_BUNDLE.parent.relative_to("/")).mkdir(parents=True, exist_ok=True)
        shutil.copy(CA_BUNDLE, root / CA_BUNDLE.relative_to("/"))
    if LOCAL_CAS.is_dir():  # kept when the image's ca-certificates package rebuilds the bundle
        target = root / LOCAL_CAS.relative_to("/")
        target.mkdir(parents=True, exist_ok=True)
        for cert in LOCAL_CAS.glob("*.crt"):
            shutil.copy(cert, target / cert.name)
    tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
    subprocess.run(["docker", "import", "-", BASE], stdin=tar.stdout, check=True,
                   capture_output=True, timeout=300)
    assert tar.wait() == 0
