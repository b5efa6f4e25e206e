//! Forecasting: what happens next between states, and how good those forecasts are.
//!
//! * [`tkg`]: next-event forecasting on a temporal knowledge graph — queries `(s, r, ?, t)` and
//!   `(?, r, o, t)` answered from the history before `t`, scored by the field's protocol (single-step,
//!   both directions, time-aware filtered MRR and Hits@k). Two models: the recurrency baseline of
//!   Gastinger et al. (IJCAI 2024) and a temporal-rule model in the spirit of TLogic.
//! * [`dyad`]: count forecasts for one directed dyad (events per week or month of a QuadClass), with
//!   predictive distributions: last-observed Poisson, global bootstrap and a negative-binomial regression.
//! * [`backtest`]: rolling-origin evaluation of the dyad models (CRPS, MSE of log counts, interval coverage).
//!
//! Everything here is a pure function of in-memory data except [`tkg::load_benchmark`], which reads the
//! benchmark files. The protocols are described in `docs/forecast.md`.

pub mod backtest;
pub mod dyad;
pub mod tkg;
