"""Model backends behind one small interface (`ChatModel`); each heavy backend is imported only when chosen."""
