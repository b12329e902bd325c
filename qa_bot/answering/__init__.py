"""Answer stage: the trained reader (:mod:`.reader`, :mod:`.windows`, :mod:`.network`, :mod:`.model_io`, weights and
model card in ``model/``), the extractive answerer that reads, decides and cites (:mod:`.extractive`,
:mod:`.attribution`, :mod:`.kind`, :mod:`.statements`), a question about the whole article answered with its lead
(:mod:`.gist`), and the optional LLM backends with verified citations (:mod:`.llm`).

Nothing is imported here: torch and transformers load only when the reader does.
"""
