// Package sim is the evaluation of transaction mode against the classic
// store-and-forward path, on a virtual clock.
//
// A run drives the real components, not a model of them: the PPG
// (ppg.PPG, its dispatch queue, retries and deliver-before) with an
// in-memory push store; in transaction mode the push SMSC's TxnEngine
// behind ppg.InProcessDispatcher; on the classic path the PPG's own
// splitting (wdp.Segment, as ppg.LegacyDispatcher does) and the SMSC's
// SAFEngine with its retry schedules, queues and Alert-SC; the simulated
// network of package radio; and a handset.Population that reassembles and
// decodes every push with the WDP reassembler and its timeout. Only the
// SMPP and HTTP between them are left out: pushes enter through PPG.Push
// and parts reach the store-and-forward engine by a direct call, with the
// receipts coming back from its OnFinal.
//
// Every run of a sweep uses the same pushes (same destinations, contents
// and arrival times) and the same network realisation for a seed: the
// radio package derives each handset's absences, each cell's congestion
// and each attempt's draws from the seed and the MSISDN, so the modes
// differ only in what they do.
package sim
