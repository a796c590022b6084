"""Build `sandloop-sandbox:<hash>`: a Debian base (pulled where a registry answers, else debootstrapped
from this machine's own apt mirror), then the executor on top. Each layer is built only when its recipe changes.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import docker
from docker.errors import APIError, BuildError, DockerException, ImageNotFound

from sandbox.errors import ImageBuildFailed
from sandbox.image import recipe
from sandbox.image.mirror import debian_mirror

Log = Callable[[str], None]
PRUNED = ("usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale", "var/cache/apt/archives")


def image_exists(client: docker.DockerClient, tag: str) -> bool:
    try:
        client.images.get(tag)
    except ImageNotFound:
        return False
    return True


def build_image(
    client: docker.DockerClient,
    *,
    languages: Iterable[str] | None = None,
    force: bool = False,
    log: Log = print,
) -> str:
    """Ensure the image for `languages` (default: python only) exists; return its tag."""
    chosen = recipe.language_set(languages)
    tag = recipe.image_tag(chosen)
    if image_exists(client, tag) and not force:
        log(f"{tag} is up to date")
        return tag
    base = recipe.base_tag(chosen)
    if force or not image_exists(client, base):
        _build_base(client, base, recipe.packages(chosen), log)
    log(f"adding the executor: {tag} ({', '.join(chosen)})")
    files = recipe.executor_files()
    label = ",".join(chosen)
    context = _context(
        {
            "Dockerfile": (
                f"FROM {base}\n"
                f"COPY {' '.join(sorted(files))} {recipe.EXECUTOR_DIR}/\n"
                "ENV LANG=C.UTF-8 OPENBLAS_NUM_THREADS=1 PYTHONDONTWRITEBYTECODE=1\n"
                f'LABEL {recipe.LANGUAGES_LABEL}="{label}"\n'
                f'CMD ["python3", "-B", "{recipe.EXECUTOR_IN_IMAGE}"]\n'
            ),
            **files,
        }
    )
    try:
        client.images.build(fileobj=context, custom_context=True, tag=tag, rm=True, network_mode="none")
    except (BuildError, APIError) as error:
        raise ImageBuildFailed(f"adding the executor to {base} failed: {error}") from error
    _remove_stale(client, tag, label)
    return tag


def _remove_stale(client: docker.DockerClient, current: str, languages: str) -> None:
    """Older executor layers of the same language set are never used again (images of other language sets
    are); containers still running keep theirs alive."""
    for image in client.images.list(name=recipe.REPOSITORY):
        if (image.labels or {}).get(recipe.LANGUAGES_LABEL, "python") != languages:
            continue
        for stale in set(image.tags) - {current}:
            try:
                client.images.remove(stale)
            except APIError:
                continue


def _context(files: dict[str, str]) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


def _build_base(client: docker.DockerClient, tag: str, packages: tuple[str, ...], log: Log) -> None:
    if _pull_debian(client, log):
        _build_base_from_registry(client, tag, packages, log)
    else:
        _build_base_with_debootstrap(client, tag, packages, log)


def _pull_debian(client: docker.DockerClient, log: Log) -> bool:
    try:
        client.images.pull("debian", tag=f"{recipe.SUITE}-slim")
    except DockerException:
        log("no image registry answers: building the base from this machine's apt mirror")
        return False
    return True


def _user_lines() -> tuple[str, str]:
    uid, name = recipe.JOB_UID, recipe.JOB_USER
    return f"{name}:x:{uid}:{uid}::/tmp/job:/usr/sbin/nologin\n", f"{name}:x:{uid}:\n"


def _build_base_from_registry(
    client: docker.DockerClient, tag: str, packages: tuple[str, ...], log: Log
) -> None:
    passwd, group = _user_lines()
    dockerfile = (
        f"FROM debian:{recipe.SUITE}-slim\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends "
        f"{' '.join(packages)} && rm -rf /var/lib/apt/lists/*\n"
        f"RUN echo '{passwd.strip()}' >> /etc/passwd && echo '{group.strip()}' >> /etc/group\n"
    )
    log(f"building {tag} from debian:{recipe.SUITE}-slim")
    try:
        client.images.build(
            fileobj=_context({"Dockerfile": dockerfile}), custom_context=True, tag=tag, rm=True
        )
    except (BuildError, APIError) as error:
        raise ImageBuildFailed(f"building {tag} from the registry's Debian image failed: {error}") from error


def _bootstrap_tool() -> list[str]:
    if shutil.which("mmdebstrap"):
        return ["mmdebstrap", "--variant=minbase"]
    if shutil.which("debootstrap"):
        return ["debootstrap", "--variant=minbase"]
    raise ImageBuildFailed(
        "neither mmdebstrap nor debootstrap is installed: `apt-get install -y debootstrap`"
    )


def _build_base_with_debootstrap(
    client: docker.DockerClient, tag: str, packages: tuple[str, ...], log: Log
) -> None:
    mirror = debian_mirror(recipe.SUITE)
    tool = _bootstrap_tool()
    with tempfile.TemporaryDirectory(prefix="sandloop-rootfs-") as tmp:
        root = Path(tmp) / "root"
        command = [*tool, f"--include={','.join(packages)}", recipe.SUITE, str(root), mirror]
        log(f"{tool[0]}: {recipe.SUITE} with {', '.join(packages)} (a minute or two)")
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ImageBuildFailed(f"{tool[0]} failed ({done.returncode}): {tail[0]}")
        for pruned in PRUNED:
            shutil.rmtree(root / pruned, ignore_errors=True)
        passwd, group = _user_lines()
        with (root / "etc/passwd").open("a") as handle:
            handle.write(passwd)
        with (root / "etc/group").open("a") as handle:
            handle.write(group)
        log(f"importing the root file system as {tag}")
        repository, _, version = tag.partition(":")
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        try:
            client.api.import_image(src=tar.stdout, repository=repository, tag=version, stream_src=True)
        except APIError as error:
            raise ImageBuildFailed(f"docker import of the root file system failed: {error}") from error
        finally:
            tar.wait()
