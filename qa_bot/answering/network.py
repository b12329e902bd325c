"""The reader's network: BERT with a span head and an answer-kind head.

``ReaderNetwork`` is ``BertForQuestionAnswering`` (``bert.*`` and the span head ``qa_outputs``: start and end logits
per token, [CLS] = "no answer") plus ``kind_outputs``, a linear layer on the final [CLS] state that says what
kind of answer the window holds: a span of the text, "yes" or "no" (:data:`KINDS`). For a yes/no question the span
head marks the words that say so (CoQA's rationale), so a yes/no answer is always quoted.

Imported only when the reader loads (it imports torch and transformers).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers import BertForQuestionAnswering
from transformers.utils import ModelOutput

__all__ = ["IGNORE", "KINDS", "ReaderNetwork", "ReaderOutput"]

KINDS = ("span", "yes", "no")
IGNORE = -100  # no kind label (a window without the answer, an unanswerable question)


@dataclass
class ReaderOutput(ModelOutput):
    loss: torch.Tensor | None = None
    start_logits: torch.Tensor | None = None
    end_logits: torch.Tensor | None = None
    kind_logits: torch.Tensor | None = None


class ReaderNetwork(BertForQuestionAnswering):
    """Span head + answer-kind head over one BERT encoder (see the module docstring)."""

    def __init__(self, config: object) -> None:
        super().__init__(config)
        self._add_kind_head()

    @classmethod
    def extend(cls, model: BertForQuestionAnswering) -> ReaderNetwork:
        """``model`` (a span-only ``BertForQuestionAnswering``) with the answer-kind head added. The head is drawn
        from its own seed, so the global random stream (dropout in training) is the one the span-only model had:
        stages 1 and 2 of training are unchanged by the head's existence."""
        model.__class__ = cls
        assert isinstance(model, ReaderNetwork)
        model._add_kind_head()
        return model

    def _add_kind_head(self, inputs: int = 3) -> None:
        """The answer-kind head over ``inputs`` states of the window: the final [CLS] state, then (``inputs`` 3)
        the states at the span's start and end, weighted by the span head's own start and end probabilities —
        the words the answer rests on, which say whether it is yes or no."""
        with torch.random.fork_rng():
            torch.manual_seed(0)
            head = torch.nn.Linear(inputs * self.config.hidden_size, len(KINDS))
            head.weight.data.normal_(mean=0.0, std=self.config.initializer_range)
            head.bias.data.zero_()
        self.kind_outputs = head

    def _kind_logits(
        self, hidden: torch.Tensor, start: torch.Tensor, end: torch.Tensor, mask: torch.Tensor | None
    ) -> torch.Tensor:
        states = [hidden[:, 0]]
        if self.kind_outputs.in_features > hidden.shape[-1]:
            pad = (mask == 0) if mask is not None else torch.zeros_like(start, dtype=torch.bool)
            for logits in (
                start,
                end,
            ):  # where the span head reads the answer (its gradient is the span's own)
                weights = torch.softmax(logits.detach().float().masked_fill(pad, -1e4), dim=-1).to(
                    hidden.dtype
                )
                states.append(torch.einsum("bt,bth->bh", weights, hidden))
        return self.kind_outputs(torch.cat(states, dim=-1))

    def forward(  # type: ignore[override]
        self,
        input_ids: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        start_positions: torch.Tensor | None = None,
        end_positions: torch.Tensor | None = None,
        kind_labels: torch.Tensor | None = None,
        kind_weight: float = 1.0,
    ) -> ReaderOutput:
        hidden = self.bert(
            input_ids=input_ids, token_type_ids=token_type_ids, attention_mask=attention_mask
        ).last_hidden_state
        start, end = self.qa_outputs(hidden).split(1, dim=-1)
        start, end = start.squeeze(-1).contiguous(), end.squeeze(-1).contiguous()
        kind = (
            self._kind_logits(hidden, start, end, attention_mask) if self.kind_outputs is not None else None
        )
        loss = None
        if start_positions is not None and end_positions is not None:
            ce = torch.nn.CrossEntropyLoss(ignore_index=IGNORE)
            loss = (ce(start, start_positions) + ce(end, end_positions)) / 2
            if (
                kind is not None
                and kind_weight
                and kind_labels is not None
                and bool((kind_labels != IGNORE).any())
            ):
                loss = loss + kind_weight * ce(kind, kind_labels)
        return ReaderOutput(loss=loss, start_logits=start, end_logits=end, kind_logits=kind)
