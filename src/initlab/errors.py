"""User-facing errors: each names the value at fault and the fix, in the configured language."""

from initlab.messages import render_message


class UserError(Exception):
    """An error caused by the user's config or data, rendered from the message catalog.

    ``key`` selects the message in ``initlab.messages``; ``params`` fill its
    placeholders. ``str(error)`` is the English text, for developers' logs;
    ``error.render(language)`` is what the user sees.
    """

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(render_message(key, "en", **params))

    def render(self, language: str) -> str:
        """Return the message in ``language`` ("en" or "fr")."""
        return render_message(self.key, language, **self.params)


class DataError(UserError):
    """Missing, corrupt or mis-shaped input data."""


class ConfigError(UserError):
    """An invalid configuration value."""


class DeviceError(UserError):
    """A requested device that is not available."""
