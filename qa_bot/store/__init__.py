"""Store stage: Chroma storage of articles and chunks (:mod:`.chroma`), their record layout (:mod:`.records`)
and the BM25 index mirrored from it (:mod:`.lexical`)."""

from qa_bot.store.chroma import INDEX_MARKER, Store, StoredArticle
from qa_bot.store.lexical import LexicalIndex

__all__ = ["INDEX_MARKER", "LexicalIndex", "Store", "StoredArticle"]
