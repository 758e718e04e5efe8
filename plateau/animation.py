"""Figures and the animation of the teaching demo (:mod:`plateau.demo`); they draw, never compute."""
import numpy as np

from .plotting import plot_eps_g, shade_plateaus


def _layout(n_cases):
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(n_cases, 2, figsize=(9.5, 3.4 * n_cases), constrained_layout=True,
                             gridspec_kw={"width_ratios": [2.2, 1]})
    return fig, np.atleast_2d(axes)


def _draw_overlap(ax, R, title):
    image = ax.imshow(R, vmin=-1, vmax=1, cmap="RdBu_r")
    K, M = R.shape
    ax.set_xticks(range(M), [f"teacher {n + 1}" for n in range(M)])
    ax.set_yticks(range(K), [f"student {i + 1}" for i in range(K)])
    texts = [[ax.text(n, i, f"{R[i, n]:.2f}", ha="center", va="center", fontsize=10)
              for n in range(M)] for i in range(K)]
    ax.set_title(title, fontsize=10)
    return image, texts


def demo_figure(cases, at_alpha=None):
    """The static teaching figure: per case, eps_g with its plateau shaded, and R at ``at_alpha``.

    ``at_alpha`` defaults to the middle of the first case's plateau (or alpha_max / 10).
    """
    fig, axes = _layout(len(cases))
    if at_alpha is None:
        main = cases[0].plateaus.main_plateau
        at_alpha = np.sqrt(main.onset * main.end) if main else cases[0].trajectory.alpha[-1] / 10
    for row, case in zip(axes, cases):
        traj = case.trajectory
        plot_eps_g(traj, ax=row[0])
        shade_plateaus(row[0], case.plateaus)
        row[0].axvline(at_alpha, color="gray", linestyle=":")
        row[0].set_title(f"{case.title} (K = {case.setup.K}, M = {case.setup.M}, L = {case.setup.L})",
                         fontsize=10)
        if case.plateaus.plateaus:
            row[0].legend(fontsize="small", loc="lower left")
        j = int(np.argmin(np.abs(traj.alpha - at_alpha)))
        _draw_overlap(row[1], traj.R[j], rf"$R$ at $\alpha$ = {traj.alpha[j]:.3g}")
    return fig


def demo_animation(cases, frames):
    """The animation's frames: a marker runs along each eps_g curve while R evolves beside it.

    ``frames`` are indices into the cases' common alpha grid.  The static parts
    are drawn once; each frame redraws only the moving artists over that
    background (matplotlib's blitting), which is ~50x cheaper than a full redraw.
    Returns a list of PIL images, to be written by :func:`save_gif`.
    """
    from PIL import Image

    fig, axes = _layout(len(cases))
    moving, updates = [], []
    for row, case in zip(axes, cases):
        traj = case.trajectory
        plot_eps_g(traj, ax=row[0])
        shade_plateaus(row[0], case.plateaus)
        row[0].set_title(f"{case.title} (L = {case.setup.L})", fontsize=10)
        marker, = row[0].plot([], [], "o", color="tab:red", markersize=7, animated=True)
        image, cell_texts = _draw_overlap(row[1], traj.R[frames[0]], "overlaps R[i, n]")
        image.set_animated(True)
        for text in np.ravel(cell_texts):
            text.set_animated(True)
        moving += [marker, image] + list(np.ravel(cell_texts))
        updates.append((traj, marker, image, cell_texts))
    # A suptitle, so that the layout reserves its room above the panels' titles.
    stamp = fig.suptitle("alpha = t/N = 0.000", animated=True)
    moving.append(stamp)

    fig.canvas.draw()
    background = fig.canvas.copy_from_bbox(fig.bbox)
    images = []
    for j in frames:
        for traj, marker, image, cell_texts in updates:
            marker.set_data([traj.alpha[j]], [traj.eps_g[j]])
            image.set_data(traj.R[j])
            for i, row_texts in enumerate(cell_texts):
                for n, text in enumerate(row_texts):
                    text.set_text(f"{traj.R[j][i, n]:.2f}")
        stamp.set_text(f"alpha = t/N = {cases[0].trajectory.alpha[j]:.3g}")
        fig.canvas.restore_region(background)
        for artist in moving:
            fig.draw_artist(artist)
        rgba = np.asarray(fig.canvas.buffer_rgba())
        images.append(Image.fromarray(rgba[..., :3].copy()))
    import matplotlib.pyplot as plt
    plt.close(fig)
    return images


def save_gif(images, path, fps=8):
    """Write frames as an endlessly looping GIF with Pillow (as matplotlib's PillowWriter does)."""
    from .files import atomic_path
    with atomic_path(path) as temporary:
        images[0].save(temporary, format="GIF", save_all=True, append_images=images[1:],
                       duration=int(1000 / fps), loop=0)
