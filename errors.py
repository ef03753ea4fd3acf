"""The platform's exceptions: one family, each message written for the person who reads it."""


class DatathonError(Exception):
    """Base of every error the platform explains to a person instead of crashing."""


class ConfigError(DatathonError):
    """The organiser's settings are wrong; the message names the setting and the fix."""


class DataUnavailable(DatathonError):
    """A data file could not be fetched or read; the message names the setting and the source."""


class StateFileError(DatathonError):
    """A state file exists but cannot be read; it is left untouched for the organiser to fix."""

    def __init__(self, path, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path} cannot be read: {reason}. Fix or restore the file; it was left untouched.")


class InvalidSubmission(DatathonError):
    """An uploaded file cannot be scored; the message says what is wrong and how to fix it."""


class SubmissionRefused(DatathonError):
    """A valid file is refused by a rule: pause, schedule, limits."""


class NotAuthorised(DatathonError):
    """The caller may not do this (not logged in, not an admin, locked out)."""


class StateBusy(DatathonError):
    """The state directory's lock could not be had in time; nothing was changed."""
