"""Submit: upload a predictions file, get it scored once, see what is left today."""

import streamlit as st

import controls
import submissions
from app_pages import shared
from submissions import show_time

UPLOAD_LIMIT_MB = 50  # as server.maxUploadSize in .streamlit/config.toml, which may not be read
RESULT = "submit_result"
SEEN = "submit_file_id"

ctx = shared.context()
user = shared.current_user()
st.title("Submit")


def _left(ctx, user, log, now) -> None:
    s = ctx.settings
    if s.END and now < s.END:
        remaining = s.END - now
        st.caption(f"Uploads close at {show_time(s.END)} ({_duration(remaining)} left).")
    if s.START and now < s.START:
        st.info(f"The challenge opens at {show_time(s.START)} ({_duration(s.START - now)} from now).")
    if s.END and now >= s.END:
        st.info(f"The challenge closed at {show_time(s.END)}.")
    quota = submissions.quota(s, log, user.login, now)
    text = (f"Submissions left today: **{max(quota.left_today, 0)}** of {s.MAX_SUBMISSIONS_PER_DAY} "
            f"(the count resets at {show_time(quota.resets_at)}, in {_duration(quota.resets_at - now)}).")
    if quota.left_total is not None:
        text += f" Left in total: **{max(quota.left_total, 0)}**."
    st.markdown(text)


def _duration(delta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    return (f"{days} d " if days else "") + f"{hours} h {minutes:02d} min"


def _score(uploaded) -> None:
    """Score a newly uploaded file once; Streamlit keeps the file across reruns, we keep its result."""
    content = uploaded.getvalue()
    with st.status("Scoring your file…", expanded=False) as status:
        try:
            receipt = submissions.submit(
                ctx.state, ctx.comp, user, uploaded.name, content, shared.now(),
                max_bytes=UPLOAD_LIMIT_MB * 1024 * 1024,
                progress=lambda stage: status.update(label=f"{stage}…"))
        except Exception as exc:  # DatathonError, or anything unexpected: a message, never a traceback
            status.update(label="Not scored", state="error")
            st.session_state[RESULT] = ("error", exc)
        else:
            status.update(label="Scored", state="complete")
            st.session_state[RESULT] = ("ok", receipt.message)


if user is None:
    st.info("Log in (in the sidebar) to upload your predictions.")
    st.stop()
if ctx.comp is None:
    shared.data_unavailable(ctx)
if controls.is_paused(ctx.state):
    st.warning("The challenge is paused by the organisers: uploads are not accepted for now.")

header = ",".join(ctx.comp.target.header) if ctx.comp else "id,target"
st.markdown(f"Upload a CSV whose first line is `{header}`, then one row per test id, in any order. "
            "The sample submission on the Data page has this shape.")
_left(ctx, user, shared.submission_log(ctx.state), shared.now())

# One uploader per team: a file chosen by one team is never submitted in the name of the next one to log in.
uploaded = st.file_uploader("Predictions", type=["csv"], key=f"predictions-{user.login}",
                            max_upload_size=UPLOAD_LIMIT_MB)
if uploaded is not None and uploaded.file_id != st.session_state.get(SEEN):
    st.session_state[SEEN] = uploaded.file_id
    _score(uploaded)
    st.rerun()  # redraw the counts with this submission included

if uploaded is None:
    st.session_state.pop(RESULT, None)
kind, value = st.session_state.get(RESULT, (None, None))
if kind == "ok":
    st.success(value)
    st.caption("Your leaderboard row keeps your best public score. Private scores stay hidden until the reveal.")
elif kind == "error":
    shared.show_error(value)
