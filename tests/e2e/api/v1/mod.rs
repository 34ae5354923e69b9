mod alliances;
mod audit;
mod errors;
mod invitations;
mod me;
mod memberships;
mod organisations;
mod tour;
