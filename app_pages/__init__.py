"""Page files (drawn by Streamlit) and the helpers they share."""
