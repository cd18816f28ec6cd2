//! A sealed-bid second-price (Vickrey) auction: three bidders' bids are held
//! by the auctioneer's two servers (the garbler holds bids 0 and 1, the
//! evaluator bid 2, say from two bidding platforms). Both learn who won and
//! the price (the second-highest bid), nothing else: not the winning bid,
//! not the losing bids.
//!
//! `cargo run --release --example auction`

use gc2pc::secure::{self, Ctx, Error, Party, RevealTo, U32};

/// Both parties run this; `garbler_bids` and `evaluator_bids` are given only
/// by their owner. Returns (winner index, price).
fn vickrey(
    ctx: &Ctx,
    garbler_bids: Option<[u32; 2]>,
    evaluator_bids: Option<[u32; 1]>,
) -> Result<Option<(u128, u128)>, Error> {
    let mut bids = Vec::new();
    for i in 0..2 {
        bids.push(U32::input(ctx, Party::Garbler, garbler_bids.map(|b| b[i]))?);
    }
    bids.push(U32::input(
        ctx,
        Party::Evaluator,
        evaluator_bids.map(|b| b[0]),
    )?);
    // Track the best and second-best bid and the best bidder, obliviously.
    let zero = U32::constant(ctx, 0)?;
    let (mut best, mut second, mut who) = (bids[0].clone(), zero, U32::constant(ctx, 0)?);
    for (i, bid) in bids.iter().enumerate().skip(1) {
        let higher = bid.gt(&best);
        second = higher.select(&best, &second.max(bid));
        who = higher.select(&U32::constant(ctx, i as u128)?, &who);
        best = higher.select(bid, &best);
    }
    let winner = who.reveal(RevealTo::Both)?;
    let price = second.reveal(RevealTo::Both)?;
    Ok(winner.zip(price))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (g_bids, e_bids) = ([410u32, 560], [515u32]);
    let (for_g, for_e) = secure::run_local(|ctx, me| match me {
        Party::Garbler => vickrey(ctx, Some(g_bids), None),
        Party::Evaluator => vickrey(ctx, None, Some(e_bids)),
    })?;
    let plain = secure::plaintext(|ctx| vickrey(ctx, Some(g_bids), Some(e_bids)))?;
    let (winner, price) = for_e.ok_or("the evaluator learns the result")?;
    println!("bidder {winner} wins and pays {price}");
    assert_eq!((winner, price), (1, 515));
    assert_eq!(for_g, plain);
    assert_eq!(for_e, plain);
    Ok(())
}
