"""The trained extractive reader: windows in, scored spans (char offsets into the stored text) and a "no answer"
score out. Weights and model card live in ``model/``; ``train.py`` reproduces them (``qa-bot train-reader``)."""
