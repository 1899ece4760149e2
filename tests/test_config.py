import pytest

from claimcheck.config import DEFAULT_CONFIG_PATH, apply_overrides, load_config, read_yaml
from claimcheck.errors import ConfigError
from claimcheck.pipeline import PipelineConfig
from claimcheck.train.config import TrainConfig


def test_default_yaml_matches_schema_defaults():
    assert load_config(PipelineConfig, DEFAULT_CONFIG_PATH) == PipelineConfig()


def test_overrides_parse_yaml_values():
    d = apply_overrides({}, ["retrieval.top_k=8", "verdict.mismatch_checks=false", "model.nli=x"])
    assert d == {"retrieval": {"top_k": 8}, "verdict": {"mismatch_checks": False},
                 "model": {"nli": "x"}}
    with pytest.raises(ConfigError, match="key.sub=value"):
        apply_overrides({}, ["novalue"])


def test_bad_yaml_and_values(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("retrieval: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML at line 1") as e:
        read_yaml(f)
    assert "\n" not in str(e.value)  # one line, naming where
    f.write_text("retrieval: {top_k: 0}")
    with pytest.raises(ConfigError, match="retrieval.top_k"):
        load_config(PipelineConfig, f)
    with pytest.raises(ConfigError, match="does not exist"):
        read_yaml(tmp_path / "missing.yaml")


def test_committed_training_config_validates():
    cfg = load_config(TrainConfig, "configs/train/nli-minilm-v1.yaml")
    assert cfg.seed == 13 and cfg.datasets
    names = {d.name for d in cfg.datasets}
    assert not names & {"anli", "xnli_en", "control", "sick"}  # non-commercial sets: dev only


def test_each_default_has_one_home():
    from pathlib import Path

    from claimcheck.evidence.retrieve import RetrievalConfig, Retriever

    repo_copy = Path(__file__).resolve().parents[1] / "configs" / "default.yaml"
    assert repo_copy.resolve() == DEFAULT_CONFIG_PATH.resolve()  # one file, linked from configs/
    assert Retriever().top_k == RetrievalConfig().top_k == PipelineConfig().retrieval.top_k


@pytest.mark.parametrize("overrides, key", [
    (["retrieval.dense=false", "retrieval.bm25=false"], "retrieval"),
    (["retrieval.top_k=true"], "retrieval.top_k"),
    (['quotes.extra_cue_verbs=["(bad"]'], "quotes.extra_cue_verbs takes verb lemmas"),
    (['flags.extra_terms={"": "x"}'], "flags.extra_terms has an empty term"),
    (['flags.watchlist={" ": "x"}'], "flags.watchlist has an empty term"),
])
def test_configs_that_cannot_run_are_rejected_at_load_time(overrides, key):
    with pytest.raises(ConfigError, match=key):
        load_config(PipelineConfig, DEFAULT_CONFIG_PATH, overrides)


@pytest.mark.parametrize("override, needle", [
    ("stance.premise={foo} said {quote}", "unknown placeholder {foo}"),
    ("stance.templates.favor={0} likes {target}", "unknown placeholder {0}"),
    ("stance.null_premise={speaker} said {", "use only {speaker}, {target}"),
    ("stance.templates.favor=oops", "has no {target}"),
    ("stance.premise={speaker} spoke", "has no {quote}"),
    ("model.device=bogus", "model.device"),
])
def test_bad_templates_and_devices_are_config_errors_naming_the_key(override, needle):
    with pytest.raises(ConfigError) as e:
        load_config(PipelineConfig, None, [override])
    assert needle in str(e.value) and "--set" in str(e.value)


def test_a_device_torch_lacks_is_a_model_error_naming_the_fix():
    import torch

    from claimcheck.errors import ModelLoadError
    from claimcheck.verdict.nli import check_device

    check_device("cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ModelLoadError, match="model.device=cpu"):
            check_device("cuda")
