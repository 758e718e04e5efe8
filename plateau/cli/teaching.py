"""The teaching demo: ``plateau demo``."""
import os

import click

from .app import cli
from .output import check_paths, save_figure


@cli.command()
@click.option("--out", type=click.Path(file_okay=False), required=True,
              help="Directory for demo.png (teaching figure) and demo.gif (animation).")
@click.option("--quick", is_flag=True, help="Fewer frames and points: finishes in seconds.")
def demo(out, quick):
    """Teaching demo: a degenerate single-output teacher next to an orthogonal two-output one."""
    from ..animation import demo_animation, demo_figure, save_gif
    from ..demo import frame_indices, run_demo
    check_paths(out, folder=True)
    cases = run_demo(points=150 if quick else 400)
    os.makedirs(out, exist_ok=True)
    save_figure(demo_figure(cases), os.path.join(out, "demo.png"))
    gif = os.path.join(out, "demo.gif")
    save_gif(demo_animation(cases, frame_indices(cases[0].trajectory.alpha, 40 if quick else 120)), gif)
    for case in cases:
        click.echo(f"{case.title}: {case.plateaus.describe()}")
    click.echo(f"wrote {os.path.join(out, 'demo.png')} and {gif}")
