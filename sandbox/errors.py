"""The sandbox's exception tree. Only infrastructure failures raise; a candidate's failures are results."""


class SandboxError(Exception):
    """Base of every infrastructure failure of the sandbox."""


class EngineUnavailable(SandboxError):
    """No Docker engine answers, or this user may not talk to it."""


class EngineLost(EngineUnavailable):
    """The Docker engine stopped answering during a run: the jobs in flight were recorded as `infra_error`;
    rerunning the command once the engine is back resumes."""


class ImageMissing(SandboxError):
    """The sandbox image is not built (run `sandloop sandbox build`)."""


class ImageBuildFailed(SandboxError):
    """Building the sandbox image failed."""


class ContainerStartFailed(SandboxError):
    """A sandbox container could not be created or did not come up."""


class ContainerLost(SandboxError):
    """A warm container died or stopped answering while running a job."""


class ProtocolMismatch(SandboxError):
    """The sandbox image's executor speaks another protocol version than this host (another sandloop)."""
