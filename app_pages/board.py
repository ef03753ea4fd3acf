"""Leaderboard: best public score per team, its progress over time, and the private board after the reveal."""

import altair as alt
import pandas as pd
import streamlit as st

import controls
import leaderboard
from app_pages import shared
from scoring import format_score

ctx = shared.context()
user = shared.current_user()
st.title("Leaderboard")


def table(board: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The board as people read it: scores with six significant digits, no rank on the benchmark row."""
    shown = board[columns].copy()
    shown["id"] = shown["id"].map(shared.plain)  # st.table renders markdown: team names are shown as typed
    shown["rank"] = shown["rank"].map(lambda r: "" if pd.isna(r) else str(int(r)))
    shown["score"] = shown["score"].map(format_score)
    for column in ("nb_submissions", "public_rank"):
        if column in shown:
            shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else str(int(v)))
    if "change" in shown:
        shown["change"] = shown["change"].map(
            lambda v: "" if pd.isna(v) else ("▲ " if v > 0 else "▼ " if v < 0 else "") + str(abs(int(v))))
    return shown


def chart(progress: pd.DataFrame):
    return alt.Chart(progress).mark_line(point=True, interpolate="step-after").encode(
        x=alt.X("submitted_at:T", title="time (UTC)", scale=alt.Scale(type="utc"), axis=alt.Axis(format="%d %b %H:%M")),
        y=alt.Y("best_public_score:Q", title="best public score", scale=alt.Scale(zero=False)),
        color=alt.Color("team:N", title="team"),
        tooltip=["team:N", "submitted_at:T", "best_public_score:Q"],
    )


if not ctx.settings.LEADERBOARD_PUBLIC and user is None:
    st.info("Log in (in the sidebar) to see the leaderboard.")
    st.stop()

log = shared.submission_log(ctx.state)
s = ctx.settings
revealed = controls.is_private_revealed(ctx.state, s.END, shared.now())
has_private = ctx.comp is not None and ctx.comp.target.has_private

public_tab, private_tab = st.tabs(["Public leaderboard", "Private leaderboard"]) if revealed and has_private \
    else (st.container(), None)
with public_tab:
    board = leaderboard.public(log, s)
    if (~board["benchmark"]).sum() == 0:
        st.info("No submission yet: be the first!")
    st.table(table(board, ["rank", "id", "score", "nb_submissions"]), hide_index=True)
    progress = leaderboard.progress_over_time(log, s)
    if not progress.empty:
        st.subheader("Best public score over time (leading teams)")
        st.altair_chart(chart(progress), width="stretch")
if private_tab is not None:
    with private_tab:
        st.caption("Final ranking on the private part of the test set; `change` is the move from the public rank.")
        st.table(table(leaderboard.private(log, s), ["rank", "id", "score", "public_rank", "change"]),
                 hide_index=True)
