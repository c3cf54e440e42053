"""The model registry over the API: every shipped model, its card, training and licence.

Every role reads it (a creator may see which models score them and on what data);
it holds no personal data.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from trustreach.api._auth import CurrentActor
from trustreach.api._routes import READERS, _problems
from trustreach.core import Role, require_role
from trustreach.services._model_registry import registry_dicts

router = APIRouter(prefix="/api/v1", responses=_problems(401, 403, 500))


class ModelOut(BaseModel):
    """One model in use and its accountability papers."""

    name: str = Field(examples=["promo_caption"])
    version: str = Field(description="Name and 12 hex digits of the artefact's SHA-256.")
    task: str
    kind: str = Field(
        description="classifier, embedding, calibration, word list or fitted parameters."
    )
    files: list[str] = Field(description="Package-relative artefact files.")
    card: str = Field(description="Repository path of the model card.")
    training_command: str
    training_data: str
    licence: str = Field(description="The training data's licence.")
    commercial_use: str
    evaluation_only: str = Field(description="Data used only for evaluation, with its licence.")


class ModelList(BaseModel):
    """Every model the installed package ships."""

    items: list[ModelOut]


@router.get("/models", response_model=ModelList, tags=["models"])
def list_models(actor: CurrentActor) -> ModelList:
    """The model registry: version, card, training command, data and licence of every model."""
    require_role(actor, *READERS, Role.creator)
    return ModelList(items=[ModelOut(**entry) for entry in registry_dicts()])
