"""Entry point: `streamlit run main.py` (or `python main.py`) serves the app; `python main.py check` rehearses it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

PAGES = {  # file, title, url path
    "overview": ("app_pages/overview.py", "Overview", "overview"),
    "data": ("app_pages/data.py", "Data", "data"),
    "evaluation": ("app_pages/evaluation.py", "Evaluation", "evaluation"),
    "submit": ("app_pages/submit.py", "Submit", "submit"),
    "leaderboard": ("app_pages/board.py", "Leaderboard", "leaderboard"),
    "mine": ("app_pages/my_submissions.py", "My submissions", "my-submissions"),
    "admin": ("app_pages/admin.py", "Admin", "admin"),
}


def run_app() -> None:
    """Frame every page: page config, sidebar (login, pause), navigation, then the page itself."""
    import streamlit as st

    from app_pages import shared
    from errors import ConfigError, DatathonError

    st.set_option("client.showErrorDetails", "none")  # even when started without .streamlit/config.toml
    try:
        ctx = shared.context()
    except ConfigError as exc:
        st.set_page_config(page_title="Datathon: settings problem")
        st.error(f"The competition cannot start: {exc}")
        st.stop()
    st.set_page_config(page_title=ctx.settings.TITLE, page_icon="🏁", layout="wide")
    from app_pages import sidebar

    try:
        user = sidebar.draw(ctx)
    except DatathonError as exc:
        shared.show_error(exc)
        user = shared.current_user()
    names = ["overview", "data", "evaluation", "submit", "leaderboard"]
    if user:
        names.append("mine")
    if user and user.is_admin:
        names.append("admin")
    pages = [st.Page(str(HERE / PAGES[n][0]), title=PAGES[n][1], url_path=PAGES[n][2], default=n == "overview")
             for n in names]
    page = st.navigation(pages)
    if user and user.is_admin and _safe(shared.admin_has_default_password, ctx.state):
        st.warning("The admin account still has the default password. Change it: `python users.py reset admin`.")
    try:
        page.run()
    except Exception as exc:  # a message for the reader, the traceback for the organiser's log
        shared.show_error(exc)


def _safe(function, *args):
    try:
        return function(*args)
    except Exception:  # a damaged users.csv is reported elsewhere; never break the frame
        return False


def cli(argv: list[str]) -> int:
    """`python main.py [streamlit options]` starts the server; `python main.py check` runs the pre-flight check."""
    if argv[:1] == ["check"]:
        import preflight

        return preflight.main(argv[1:])
    import settings

    # Absolute paths: the server runs from the project folder, not from here.
    os.environ["DATATHON_CONFIG"] = str(settings.config_path())
    os.environ["DATATHON_STATE_DIR"] = str(settings.state_dir())
    problem = startup_problem()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    os.chdir(HERE)  # so that .streamlit/config.toml applies
    os.execv(sys.executable, [sys.executable, "-m", "streamlit", "run", str(HERE / "main.py"), *argv])
    return 0


def startup_problem() -> str | None:
    """Check the settings and the data before serving; a data outage is reported but does not stop the app."""
    import competition
    import settings
    from errors import ConfigError, DataUnavailable
    from storage import State

    try:
        competition.load(settings.load(settings.config_path()), State(settings.state_dir()))
    except ConfigError as exc:
        return str(exc)
    except DataUnavailable as exc:
        print(f"warning: {exc} The app starts; uploads are refused until the data is available.", file=sys.stderr)
    return None


def _under_streamlit() -> bool:
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:
        return False
    return get_script_run_ctx(suppress_warning=True) is not None


if __name__ == "__main__":
    if _under_streamlit():
        run_app()
    else:
        sys.exit(cli(sys.argv[1:]))
