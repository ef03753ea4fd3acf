"""Admin: every submission, downloads, the private reveal, exclusions, rescoring, teams, data and checks."""

import streamlit as st

import competition
import controls
import leaderboard
import submissions
import users
from app_pages import shared

ctx = shared.context()
user = shared.current_user()
st.title("Admin")
if user is None or not user.is_admin:
    st.error("Only an admin can see this page.")
    st.stop()

s = ctx.settings
state = ctx.state
log = shared.submission_log(state)
flags = controls.read(state)

if flags["hashed_logins"]:
    st.info(f"Plaintext passwords in users.csv were replaced by salted hashes for: "
            f"{shared.plain(', '.join(flags['hashed_logins']))}. The passwords themselves still work.")
if ctx.data_error:
    shared.data_unavailable(ctx)


def run(action, *args, success: str | None = None) -> None:
    """Call a domain function; show its refusal as a message instead of a traceback."""
    try:
        action(*args)
    except Exception as exc:  # DatathonError or unexpected: a message either way
        shared.show_error(exc)
    else:
        if success:
            st.toast(success)
        st.rerun()


st.subheader("Private leaderboard")
revealed = st.toggle("Reveal the private leaderboard", value=flags["private_revealed"],
                     help="It is also revealed automatically at END.")
if revealed != flags["private_revealed"]:
    run(controls.set_private_revealed, state, user, revealed)

st.subheader("Submissions")
teams = sorted(log["team"].unique())
team = st.selectbox("Team", ["(all teams)", *teams])
shown = log if team == "(all teams)" else submissions.team_log(log, team)
st.dataframe(shown.sort_values("submission_id", ascending=False), hide_index=True, width="stretch")
col1, col2, col3 = st.columns(3)
col1.download_button("Download the submission log", leaderboard.export_csv(log), "submissions.csv", "text/csv",
                     on_click="ignore")
col2.download_button("Download the public leaderboard", leaderboard.export_csv(leaderboard.public(log, s)),
                     "leaderboard_public.csv", "text/csv", on_click="ignore")
if ctx.comp is not None and ctx.comp.target.has_private:
    col3.download_button("Download the private leaderboard", leaderboard.export_csv(leaderboard.private(log, s)),
                         "leaderboard_private.csv", "text/csv", on_click="ignore")

with st.form("exclude"):
    st.markdown("**Exclude or restore a submission.** An excluded submission stays in the log but leaves the "
                "rankings.")
    number = st.number_input("Submission #", min_value=1, step=1)
    exclude, restore = st.columns(2)
    if exclude.form_submit_button("Exclude"):
        run(submissions.set_excluded, state, s, user, int(number), True, success=f"Submission {number} excluded.")
    if restore.form_submit_button("Restore"):
        run(submissions.set_excluded, state, s, user, int(number), False, success=f"Submission {number} restored.")

st.subheader("Rescore")
st.caption("After correcting the target or the metric, score every stored submission again. The log keeps "
           "every submission; the previous log is saved as submissions.csv.before-rescore.csv.")
if st.button("Rescore every submission", disabled=ctx.comp is None):
    bar = st.progress(0.0, text="Rescoring…")
    try:
        submissions.rescore(state, ctx.comp, user,
                            progress=lambda done, total: bar.progress(done / total, text=f"Rescored {done}/{total}"))
    except Exception as exc:  # a message, never a traceback
        shared.show_error(exc)
    else:
        st.success("Every submission was rescored.")

st.subheader("Teams")
with st.form("add-team", clear_on_submit=True):
    login = st.text_input("New team login")
    if st.form_submit_button("Add team"):
        try:
            passwords = users.add(state, [login], user)
        except Exception as exc:  # a message, never a traceback
            shared.show_error(exc)
        else:
            st.success("Team created. Give them this password now: it is not shown again.")
            st.code(users.credentials_sheet(passwords), language=None)

st.subheader("Data")
if st.button("Refresh the data from its sources"):
    bar = st.progress(0.0, text="Fetching…")

    def show(name, done, total):
        text = f"{name}: {done / 1e6:.1f} MB" + (f" of {total / 1e6:.1f} MB" if total else "")
        bar.progress(min(done / total, 1.0) if total else 0.0, text=text)

    try:
        competition.fetch(s, state, refresh=True, progress=show)
    except Exception as exc:  # the cached files are untouched and still served
        shared.show_error(exc)
    else:
        shared.reload_data()
        st.rerun()

st.subheader("Pre-flight check")
st.caption("Rehearse the competition, as `python main.py check` does: fetch every data file (cached files are "
           "not fetched again), check the sample submission against Y_TEST, score a sample, a perfect and a "
           "random submission, and list the settings still at the demo's values.")
if st.button("Run the pre-flight check"):
    import preflight  # only this button needs it

    try:
        with st.spinner("Checking…"):
            checks = preflight.run(s, state, now=shared.now())
    except Exception as exc:  # a message, never a traceback
        shared.show_error(exc)
    else:
        show = {preflight.OK: st.success, preflight.WARNING: st.warning, preflight.FAILURE: st.error}
        for check in checks:
            show[check.status](f"**{check.name}**: {check.message}")
