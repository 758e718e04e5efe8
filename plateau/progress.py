"""Progress bars on stderr: one home for all commands (tqdm), a no-op when switched off."""


class NoBar:
    """The bar when progress is off: accepts updates and does nothing."""

    def update(self, n=1):
        pass

    def close(self):
        pass


def progress_bar(total, enabled, *, initial=0, unit="it", desc=None, delay=2.0, unit_scale=False):
    """A tqdm bar of ``total`` units (shown after ``delay`` seconds), or :class:`NoBar`.

    A terminal that reports 0 columns (some CI and notebook terminals) gets an 80-column bar
    instead of none.
    """
    if not enabled:
        return NoBar()
    import shutil
    from tqdm import tqdm
    columns = shutil.get_terminal_size(fallback=(80, 24)).columns
    return tqdm(total=total, initial=initial, unit=unit, desc=desc, delay=delay, unit_scale=unit_scale,
                leave=False, ncols=None if columns > 0 else 80, dynamic_ncols=columns > 0)
