"""The sidebar on every page: log in or out, and the admin's pause switch."""

from __future__ import annotations

import streamlit as st

import controls
import users
from app_pages import shared
from errors import NotAuthorised


def draw(ctx: shared.Context) -> users.User | None:
    """Draw the sidebar and return the logged-in user, if any."""
    with st.sidebar:
        st.markdown(f"### {shared.plain(ctx.settings.TITLE)}")
        if not shared.session_still_valid(ctx.state):
            shared.log_out()
            st.warning("You were logged out because your account changed. Log in again.")
        user = shared.current_user()
        if user is None:
            _login_form(ctx)
        else:
            st.markdown(f"Logged in as **{shared.plain(user.login)}**" + (" (admin)" if user.is_admin else ""))
            if st.button("Log out"):
                shared.log_out()
                st.rerun()
            if user.is_admin:
                _pause_toggle(ctx, user)
        if controls.is_paused(ctx.state):
            st.warning("The challenge is paused: uploads are not accepted for now.")
    return shared.current_user()


def _login_form(ctx: shared.Context) -> None:
    with st.form("login", clear_on_submit=False, enter_to_submit=True):
        login = st.text_input("Login", max_chars=users.MAX_LOGIN)
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Log in")
    if not submitted:
        return
    try:
        user = users.authenticate(ctx.state, login, password, shared.now())
    except NotAuthorised as exc:
        st.error(str(exc))
        return
    shared.log_in(ctx.state, user)
    st.rerun()


def _pause_toggle(ctx: shared.Context, user: users.User) -> None:
    paused = controls.is_paused(ctx.state)
    wanted = st.toggle("Pause Datathon", value=paused, help="While paused, uploads are refused; pages stay visible.")
    if wanted != paused:
        controls.set_paused(ctx.state, user, wanted)
        st.rerun()
