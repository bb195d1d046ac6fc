"""Application services shared by `bot/` and `flows/`: settings, the Home view model, DM pointers and the
language-model path. No Slack handlers and no sequences here."""
